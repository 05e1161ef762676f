"""The only module that knows the order of the stages: probe, keyframes, captions, summary, report.

Captions run on a thread pool (`parallel` requests in flight); each task grabs its full frame, writes
it to frames/, and asks the vision model. When the model server is down the run does not fail: every
keyframe is still in the report, with the reason its caption is missing, and the status is "partial".
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import media
from .caption import describe_frame, prepare_image
from .errors import EXIT_OK, EXIT_PARTIAL, ModelNotFound, OutputError, VidscanError
from .keyframes import KeyframeOptions, select_keyframes
from .ollama_client import OllamaBackend, ServerDown, is_local_host
from .progress import QUIET, Progress
from .report import current_umask, write_report
from .summarize import SummaryContext, SummaryOptions, summarize
from .types import CaptionResult, Keyframe, KeyframeSelection, Report, RunInfo, Summary, VideoInfo

DEFAULT_VLM = "qwen2.5vl:3b"


@dataclass(frozen=True)
class Options:
    out: Path = Path("vidscan-out")  # each video's report goes to out/<video name>/
    vlm: str = DEFAULT_VLM  # vision model that describes frames
    llm: str | None = None  # text model for the summary; None = the same as vlm (no model swap)
    host: str | None = None  # None = $OLLAMA_HOST, else http://127.0.0.1:11434
    parallel: int = 2  # requests in flight
    pull: bool = False  # pull missing models instead of stopping
    timeout: float = 300.0  # seconds one model call may take
    max_side: int = 1024  # long side of the image sent to the model
    keyframes: KeyframeOptions = field(default_factory=KeyframeOptions)
    summary_window_chars: int = SummaryOptions.window_chars

    @property
    def summary_model(self) -> str:
        return self.llm or self.vlm


@dataclass(frozen=True)
class AnalysisResult:
    report_dir: Path
    data: dict
    exit_code: int


def report_dir_for(video: str, out: Path) -> Path:
    return out / Path(video).stem


def analyze(video: str, options: Options | None = None, progress: Progress = QUIET) -> AnalysisResult:
    """Analyze one video and write report.json, report.html and frames/ under options.out."""
    options = options or Options()
    started = datetime.now(timezone.utc)
    clock = time.monotonic()
    info = media.probe(video)
    backend = OllamaBackend(options.host, timeout=options.timeout)
    if not is_local_host(backend.host):
        progress.message(f"frames will be sent to {backend.host}, which is not this machine")
    problems: list[str] = []
    server_ok = _preflight(backend, options, progress, problems)

    report_dir = report_dir_for(video, options.out)
    _ensure_writable(report_dir)
    stage = progress.stage("frames decoded", info.frame_count or int(info.duration * info.fps) or None)
    selection = select_keyframes(info, options.keyframes, lambda n, _t: stage.update(n))
    stage.close()
    info = selection.video

    frames_tmp = Path(tempfile.mkdtemp(prefix=".frames-", dir=report_dir))
    frames_tmp.chmod(0o777 & ~current_umask())
    try:
        captions = _caption_all(backend, options, info, selection, frames_tmp, server_ok, progress, problems)
        summary = _summarize(backend, options, info, captions, progress, problems)
        _replace_dir(frames_tmp, report_dir / "frames")
    finally:
        shutil.rmtree(frames_tmp, ignore_errors=True)

    failed = [c for c in captions if c.caption is None]
    if failed and server_ok and not any(p.startswith("cannot reach") for p in problems):
        problems.append(
            f"{len(failed)} of {len(captions)} keyframes have no caption (see each frame's error)"
        )
    status = "complete" if not problems else "partial"
    run = RunInfo(
        vlm=options.vlm,
        llm=options.summary_model,
        host=backend.host,
        started=started.isoformat(timespec="seconds"),
        seconds=round(time.monotonic() - clock, 2),
        model_calls=backend.calls,
        cache_hits=0,
        status=status,
        keyframe_strategy=selection.strategy,
        problems=tuple(problems),
    )
    report = Report(video=info, selection=selection, captions=tuple(captions), summary=summary, run=run)
    data = write_report(report, report_dir)
    return AnalysisResult(report_dir, data, EXIT_OK if status == "complete" else EXIT_PARTIAL)


def _preflight(backend: OllamaBackend, options: Options, progress: Progress, problems: list[str]) -> bool:
    """Check the models before the first frame. False when the server cannot be reached (the run goes
    on and writes a partial report); raises when a model is missing or cannot read images."""
    try:
        for model, capability in _models_needed(options):
            try:
                backend.require(model, capability)
            except ModelNotFound:
                if not options.pull:
                    raise
                _pull(backend, model, progress)
                backend.require(model, capability)
        return True
    except ServerDown as exc:
        problems.append(str(exc))
    except VidscanError as exc:
        if "cannot reach" not in str(exc):
            raise
        problems.append(str(exc))
    progress.message(problems[-1])
    return False


def _models_needed(options: Options) -> list[tuple[str, str | None]]:
    needed: list[tuple[str, str | None]] = [(options.vlm, "vision")]
    if options.summary_model != options.vlm:
        needed.append((options.summary_model, None))
    return needed


def _pull(backend: OllamaBackend, model: str, progress: Progress) -> None:
    progress.message(f"pulling {model} from {backend.host}")
    stage = progress.stage(f"pull {model}")
    backend.pull(model, lambda _status, done, total: stage.update(done, total or None))
    stage.close()


def _ensure_writable(report_dir: Path) -> None:
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=report_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OutputError(
            f"cannot write to {report_dir}: {exc.strerror or exc}; choose another --out"
        ) from None


def _replace_dir(source: Path, target: Path) -> None:
    """Put the new frames in place of the old ones (no stale frames from an earlier run remain)."""
    old = target.with_name(f".{target.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    source.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def frame_file_name(kf: Keyframe) -> str:
    return f"kf{kf.index:04d}_{kf.time:010.3f}s.jpg"


def _caption_all(
    backend: OllamaBackend,
    options: Options,
    info: VideoInfo,
    selection: KeyframeSelection,
    frames_dir: Path,
    server_ok: bool,
    progress: Progress,
    problems: list[str],
) -> list[CaptionResult]:
    down = threading.Event()
    if not server_ok:
        down.set()
    why_down: list[str] = [problems[-1]] if problems else []
    originals = [kf for kf in selection.keyframes if kf.duplicate_of is None]
    stage = progress.stage("keyframes captioned", len(selection.keyframes))
    done = 0
    lock = threading.Lock()

    by_index: dict[int, CaptionResult] = {}

    def caption_one(kf: Keyframe) -> CaptionResult:
        nonlocal done
        image_name = f"frames/{frame_file_name(kf)}"
        try:
            frame = media.grab_frame(info, kf.time)
            frame.save(frames_dir / frame_file_name(kf), format="JPEG", quality=90)
            if kf.duplicate_of is not None:
                # A revisited view reuses the caption of its first appearance: no second model call.
                twin = by_index[kf.duplicate_of]
                return CaptionResult(kf, image_name, twin.caption, twin.error, from_cache=True)
            if down.is_set():
                return CaptionResult(kf, image_name, None, error=f"not captioned: {why_down[0]}")
            jpeg = prepare_image(frame, max_side=options.max_side)
            caption, _ = describe_frame(backend, options.vlm, jpeg, kf.time)
            return CaptionResult(kf, image_name, caption)
        except ServerDown as exc:
            with lock:
                if not down.is_set():
                    why_down.append(str(exc))
                    problems.append(f"the model server went away during the run: {exc}")
                    progress.message(problems[-1])
                down.set()
            return CaptionResult(kf, image_name, None, error=str(exc))
        except VidscanError as exc:
            return CaptionResult(kf, image_name, None, error=str(exc))
        finally:
            with lock:
                done += 1
                stage.update(done)

    repeats = [kf for kf in selection.keyframes if kf.duplicate_of is not None]
    with ThreadPoolExecutor(max_workers=max(1, options.parallel)) as pool:
        by_index.update((r.keyframe.index, r) for r in pool.map(caption_one, originals))
        by_index.update((r.keyframe.index, r) for r in pool.map(caption_one, repeats))
    results = [by_index[kf.index] for kf in selection.keyframes]
    stage.close()
    return results


def _summarize(
    backend: OllamaBackend,
    options: Options,
    info: VideoInfo,
    captions: list[CaptionResult],
    progress: Progress,
    problems: list[str],
) -> Summary | None:
    if not any(c.caption for c in captions):
        if not problems:
            problems.append("no keyframe has a caption, so there is no summary")
        return None
    stage = progress.stage("summary", None)
    try:
        return summarize(
            backend,
            options.summary_model,
            captions,
            SummaryContext(name=Path(info.path).name, duration=info.duration),
            SummaryOptions(window_chars=options.summary_window_chars, parallel=options.parallel),
            progress=lambda done, total: stage.update(done, total),
        )
    except VidscanError as exc:
        problems.append(f"no summary: {exc}")
        progress.message(problems[-1])
        return None
    finally:
        stage.close()
