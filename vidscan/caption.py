"""Describing one keyframe: the general reply schema, the image we send, and the call (the prompt and
schema of each profile live in vidscan.profiles)."""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image
from pydantic import BaseModel

from . import media
from .backends import ServerDown
from .calls import ModelCaller
from .errors import OutputError, VidscanError
from .profiles import Profile, as_caption, frame_level, frame_verdicts
from .progress import Progress, Stage
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


class Captioner:
    """Grabs, saves and describes keyframes on `job.workers` threads.

    `early(kf)` starts on a keyframe while keyframe selection still runs (its frame is saved under a
    provisional name); `finish(keyframes)` describes the final selection, reusing every early result
    whose time is in it, and deletes the frames of early ones it does not use. Once the server is
    gone, only the cache answers: no more calls.
    Use it as a context manager: on an error or Ctrl-C, queued work is cancelled."""

    def __init__(
        self,
        caller: ModelCaller,
        job: CaptionJob,
        info: VideoInfo,
        frames_dir: Path,
        server_ok: bool,
        progress: Progress,
        problems: list[str],
    ) -> None:
        self._caller, self._job, self._info, self._frames_dir = caller, job, info, frames_dir
        self._progress, self._problems = progress, problems
        self._down = threading.Event()
        if not server_ok:
            self._down.set()
        self._went_away = False  # the server was up at the start and stopped answering
        self._why_down: list[str] = [problems[-1]] if problems else []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max(1, job.workers), thread_name_prefix="caption")
        # Selection never runs more than this far ahead of the model: a bounded queue between them.
        self._room = threading.BoundedSemaphore(max(8, 4 * job.workers))
        self._early: dict[float, Future[CaptionResult]] = {}
        self._early_frames: dict[float, tuple[Future[None], str]] = {}  # repeats: frame only
        self._provisional = 9000  # indices of early keyframes, for their provisional frame names
        self._stage: Stage | None = None
        self._captioned: set[float] = set()  # times of the keyframes captioned so far
        # The final selection's keyframe times, once known: an early caption it does not contain (a bet
        # lost) is no progress towards it.
        self._final: set[float] | None = None
        self._started = 0
        self.unused = 0  # early keyframes the final selection does not contain

    def __enter__(self) -> Captioner:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def started(self) -> int:
        """Keyframes whose description started early."""
        return self._started

    def set_transcripts(self, transcripts: Mapping[int, str]) -> None:
        """What was said over each final keyframe (by index): known only once selection is over."""
        self._job = replace(self._job, transcripts=transcripts)

    def early(self, kf: Keyframe) -> None:
        """Start on a keyframe the final selection will almost surely contain: describe it, or for a
        repeat of an earlier view (`duplicate_of` set), only save its frame."""
        if kf.time in self._early or kf.time in self._early_frames:
            return
        self._room.acquire()
        self._provisional += 1
        provisional = replace(kf, index=self._provisional)
        if kf.duplicate_of is None:
            future: Future = self._pool.submit(self._caption, provisional, "early-")
            self._early[kf.time] = future
            self._started += 1
        else:
            name = f"frames/early-{frame_file_name(provisional)}"
            future = self._pool.submit(self._save_only, provisional, name)
            self._early_frames[kf.time] = (future, name)
        future.add_done_callback(lambda _f: self._room.release())

    def finish(self, keyframes: Sequence[Keyframe]) -> tuple[list[CaptionResult], bool]:
        """The results for `keyframes` in time order, and whether the server is still up."""
        with self._lock:
            self._final = {kf.time for kf in keyframes}
        stage = self._stage_for(len(keyframes))
        by_index: dict[int, CaptionResult] = {}
        futures: dict[int, Future[CaptionResult]] = {}
        early: dict[int, Future[CaptionResult]] = {}
        for kf in keyframes:
            if kf.duplicate_of is None:
                if kf.time in self._early:
                    early[kf.index] = self._early.pop(kf.time)
                else:
                    futures[kf.index] = self._pool.submit(self._caption, kf)
        for kf in keyframes:
            if kf.index in early:
                by_index[kf.index] = self._adopt(early[kf.index], kf)
            elif kf.index in futures:
                by_index[kf.index] = futures[kf.index].result()
        repeats = [kf for kf in keyframes if kf.duplicate_of is not None]
        for result in self._pool.map(lambda kf: self._repeat(kf, by_index[kf.duplicate_of]), repeats):
            by_index[result.keyframe.index] = result
        for future in self._early.values():  # bets lost: described, but not in the final selection
            self.unused += 1
            self._discard(future.result().image)
        for frame, name in self._early_frames.values():
            frame.exception()  # wait for it: the file must not appear after it was deleted
            self._discard(name)
        self._early.clear()
        self._early_frames.clear()
        results = [by_index[kf.index] for kf in keyframes]
        stage.close(self._outcome(results, stage.seconds))
        return results, not self._down.is_set()

    def _outcome(self, results: Sequence[CaptionResult], seconds: float) -> str:
        """What captioning did, for the stage's last line: how many have a caption, and why not all."""
        captioned = sum(1 for r in results if r.caption is not None)
        done = f"keyframes: {captioned} of {len(results)} captioned in {seconds:.1f}s"
        if captioned == len(results):
            return done
        if self._down.is_set():
            went = "went away during the run" if self._went_away else "is unreachable"
            return f"{done}: the model server {went}"
        return f"{done}: {len(results) - captioned} failed (each one's error is in the report)"

    def _stage_for(self, total: int | None) -> Stage:
        with self._lock:
            if self._stage is None:
                self._stage = self._progress.stage("keyframes captioned", total)
            elif total is not None:
                self._stage.update(self._done(), total)
            return self._stage

    def _done(self) -> int:
        """Keyframes captioned: of the final selection, once it is known (hold the lock)."""
        return len(self._captioned if self._final is None else self._captioned & self._final)

    def _counted(self, result: CaptionResult) -> CaptionResult:
        """The progress counts keyframes that got a caption: a failed one is not done."""
        if result.caption is not None:
            with self._lock:
                self._captioned.add(result.keyframe.time)
                done = self._done()
            self._stage_for(None).update(done)
        return result

    def _adopt(self, early: Future[CaptionResult], kf: Keyframe) -> CaptionResult:
        """An early result under the final keyframe's index and frame name."""
        result = early.result()
        image_name = f"frames/{frame_file_name(kf)}"
        saved = self._frames_dir.parent / result.image
        if saved.exists():  # not when grabbing the frame failed: the result then carries the error
            saved.rename(self._frames_dir.parent / image_name)
        return replace(result, keyframe=kf, image=image_name)

    def _discard(self, image_name: str) -> None:
        (self._frames_dir.parent / image_name).unlink(missing_ok=True)

    def _repeat(self, kf: Keyframe, twin: CaptionResult) -> CaptionResult:
        """A revisited view reuses the reply of its first appearance: no second model call."""
        image_name = f"frames/{frame_file_name(kf)}"
        transcript = self._job.transcripts.get(kf.index, "")
        early = self._early_frames.pop(kf.time, None)
        try:
            if early is None:
                self._grab_and_save(kf, image_name)
            else:
                early[0].result()
                (self._frames_dir.parent / early[1]).rename(self._frames_dir.parent / image_name)
        except OutputError:
            raise
        except VidscanError as exc:
            return CaptionResult(kf, image_name, None, error=str(exc), transcript=transcript)
        return self._counted(
            replace(twin, keyframe=kf, image=image_name, transcript=transcript, from_cache=True)
        )

    def _save_only(self, kf: Keyframe, image_name: str) -> None:
        self._grab_and_save(kf, image_name)  # the picture itself is not kept: memory stays flat

    def _grab_and_save(self, kf: Keyframe, image_name: str) -> Image.Image:
        from .keyframes.frames import PictureSignature  # OpenCV: loaded by the first grab, not at import

        grabbed = media.grab_frame(self._info, kf.shown_frame, expect=PictureSignature.of(kf))
        if not grabbed.exact:  # a frame grabbed again and then right is no news
            self._progress.message(
                f"the frame at {format_timestamp(kf.time)} does not look as it did when it was analysed, "
                "even decoded from the start of the video: it is sent as that decode gives it"
            )
        frame = grabbed.image
        if kf.analysis_crop is not None:  # the picture inside black bars, as it was analysed
            left, top, width, height = kf.analysis_crop
            w, h = frame.size
            frame = frame.crop(
                (round(left * w), round(top * h), round((left + width) * w), round((top + height) * h))
            )
        try:
            frame.save(self._frames_dir.parent / image_name, format="JPEG", quality=90)
        except OSError as exc:
            raise OutputError(
                f"cannot write frames in {self._frames_dir.parent.parent}: {exc.strerror or exc}"
            ) from None
        return frame

    def _caption(self, kf: Keyframe, prefix: str = "") -> CaptionResult:
        return self._counted(self._describe(kf, prefix))

    def _describe(self, kf: Keyframe, prefix: str) -> CaptionResult:
        job = self._job
        transcript = job.transcripts.get(kf.index, "")
        image_name = f"frames/{prefix}{frame_file_name(kf)}"
        try:
            frame = self._grab_and_save(kf, image_name)
            ocr_text = _read_text(frame) if job.ocr else ""
            prompt = job.profile.frame_prompt(format_timestamp(kf.time), ocr_text, transcript)
            jpeg = prepare_image(frame, max_side=job.max_side)
            reply = describe_frame(
                self._caller, job.model, jpeg, prompt, job.profile.reply_model, self._down.is_set()
            )
            if reply is None:
                return CaptionResult(
                    kf,
                    image_name,
                    None,
                    error=f"not captioned: {self._why_down[0]}",
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
            with self._lock:
                if not self._down.is_set():
                    self._went_away = True
                    self._why_down.append(str(exc))
                    self._problems.append(f"the model server went away during the run: {exc}")
                    self._progress.message(self._problems[-1])
                self._down.set()
            return CaptionResult(kf, image_name, None, error=str(exc), transcript=transcript)
        except OutputError:
            raise  # a full disk stops the run; it is not one frame's problem
        except VidscanError as exc:
            return CaptionResult(kf, image_name, None, error=str(exc), transcript=transcript)


def _read_text(frame: Image.Image) -> str:
    from . import ocr  # numpy and the OCR engine load for profiles that read text only

    return ocr.read_text(frame)
