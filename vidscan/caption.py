"""Describing one keyframe: the general reply schema, the image we send, and the call (the prompt and
schema of each profile live in vidscan.profiles)."""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image
from pydantic import BaseModel

from . import media, ocr
from .backends import ServerDown
from .calls import ModelCaller
from .errors import OutputError, VidscanError
from .profiles import Profile, as_caption, frame_level, frame_verdicts
from .progress import Progress
from .types import CaptionResult, Keyframe, VideoInfo

CAPTION_SCHEMA_VERSION = 1


def prepare_image(image: Image.Image, max_side: int = 1024, min_side: int = 32, quality: int = 85) -> bytes:
    """JPEG bytes of the frame, downscaled so the long side is at most `max_side`, and never a side
    under `min_side` (some vision models crash on tiny sides: qwen2.5vl panics under 28 px)."""
    width, height = image.size
    scale = min(1.0, max_side / max(width, height))
    if min(width, height) * scale < min_side:
        scale = min_side / min(width, height)
    size = (max(min_side, round(width * scale)), max(min_side, round(height * scale)))
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def format_timestamp(seconds: float) -> str:
    """h:mm:ss (or m:ss under an hour) with tenths, as people read video times."""
    whole = int(seconds)
    tenths = int(round((seconds - whole) * 10)) % 10
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    core = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{core}.{tenths}"


def describe_frame(
    caller: ModelCaller,
    model: str,
    jpeg: bytes,
    prompt: str,
    reply_model: type[BaseModel],
    cached_only: bool = False,
) -> BaseModel | None:
    """The frame's reply in the profile's schema; None only with cached_only when the cache has none."""
    return caller.json(model, prompt, reply_model, images=[jpeg], num_predict=1024, cached_only=cached_only)


@dataclass(frozen=True)
class CaptionJob:
    """What captioning needs to know beyond the frames."""

    model: str
    profile: Profile
    max_side: int = 1024
    workers: int = 2
    transcripts: Mapping[int, str] = field(default_factory=dict)  # keyframe index -> speech
    ocr: bool = False  # read each frame's text with the OCR engine and give it to the model


def frame_file_name(kf: Keyframe) -> str:
    return f"kf{kf.index:04d}_{kf.time:010.3f}s.jpg"


def caption_keyframes(
    caller: ModelCaller,
    job: CaptionJob,
    info: VideoInfo,
    keyframes: Sequence[Keyframe],
    frames_dir: Path,
    server_ok: bool,
    progress: Progress,
    problems: list[str],
) -> tuple[list[CaptionResult], bool]:
    """Grab, save and describe every keyframe, `job.workers` at a time. Returns the results in time
    order and whether the server is still up. Once it is gone, only the cache answers: no more calls."""
    down = threading.Event()
    if not server_ok:
        down.set()
    why_down: list[str] = [problems[-1]] if problems else []
    stage = progress.stage("keyframes captioned", len(keyframes))
    done = 0
    lock = threading.Lock()
    by_index: dict[int, CaptionResult] = {}

    def caption_one(kf: Keyframe) -> CaptionResult:
        nonlocal done
        image_name = f"frames/{frame_file_name(kf)}"
        transcript = job.transcripts.get(kf.index, "")
        try:
            frame = media.grab_frame(info, kf.time)
            try:
                frame.save(frames_dir / frame_file_name(kf), format="JPEG", quality=90)
            except OSError as exc:
                raise OutputError(
                    f"cannot write frames in {frames_dir.parent.parent}: {exc.strerror or exc}"
                ) from None
            if kf.duplicate_of is not None:
                # A revisited view reuses the reply of its first appearance: no second model call.
                return replace(
                    by_index[kf.duplicate_of],
                    keyframe=kf,
                    image=image_name,
                    transcript=transcript,
                    from_cache=True,
                )
            ocr_text = ocr.read_text(frame) if job.ocr else ""
            prompt = job.profile.frame_prompt(format_timestamp(kf.time), ocr_text, transcript)
            jpeg = prepare_image(frame, max_side=job.max_side)
            reply = describe_frame(caller, job.model, jpeg, prompt, job.profile.reply_model, down.is_set())
            if reply is None:
                return CaptionResult(
                    kf,
                    image_name,
                    None,
                    error=f"not captioned: {why_down[0]}",
                    ocr_text=ocr_text,
                    transcript=transcript,
                )
            return CaptionResult(
                kf,
                image_name,
                as_caption(reply),
                reply=reply.model_dump(mode="json", by_alias=True),
                ocr_text=ocr_text,
                transcript=transcript,
                level=frame_level(reply),
                verdicts=tuple(frame_verdicts(reply, job.profile.checks)),
            )
        except ServerDown as exc:
            with lock:
                if not down.is_set():
                    why_down.append(str(exc))
                    problems.append(f"the model server went away during the run: {exc}")
                    progress.message(problems[-1])
                down.set()
            return CaptionResult(kf, image_name, None, error=str(exc), transcript=transcript)
        except OutputError:
            raise  # a full disk stops the run; it is not one frame's problem
        except VidscanError as exc:
            return CaptionResult(kf, image_name, None, error=str(exc), transcript=transcript)
        finally:
            with lock:
                done += 1
                stage.update(done)

    originals = [kf for kf in keyframes if kf.duplicate_of is None]
    repeats = [kf for kf in keyframes if kf.duplicate_of is not None]
    with ThreadPoolExecutor(max_workers=max(1, job.workers)) as pool:
        by_index.update((r.keyframe.index, r) for r in pool.map(caption_one, originals))
        by_index.update((r.keyframe.index, r) for r in pool.map(caption_one, repeats))
    stage.close()
    return [by_index[kf.index] for kf in keyframes], not down.is_set()
