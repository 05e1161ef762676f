"""The only module that knows the order of the stages: probe, keyframes, captions, summary, report.

Captions run on a thread pool (`parallel` requests in flight); each task grabs its full frame, writes
it to frames/, and asks the vision model. When the model server is down the run does not fail: every
keyframe is still in the report, with the reason its caption is missing, and the status is "partial".
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from . import media
from .backends import ServerDown, is_local_host, make_backend
from .cache import DEFAULT_MAX_BYTES, ReplyCache, open_reply_cache
from .calls import ModelCaller, pull_model
from .defaults import DEFAULT_EMBED_MODEL, DEFAULT_VLM
from .errors import EXIT_OK, EXIT_PARTIAL, ModelNotFound, ModelServerUnreachable, OutputError, VidscanError
from .keyframes.options import DETECTORS, KeyframeOptions
from .progress import QUIET, Progress
from .progress import clock as clock_text
from .report import current_umask, report_to_dict, write_report
from .types import CaptionResult, KeyframeSelection, Report, RunInfo, Summary, VideoInfo

# Each stage's module (OpenCV and PySceneDetect for keyframes, pydantic for profiles and replies, the
# model clients, the library) loads when the stage runs: `vidscan keyframes` needs none of the model side.
if TYPE_CHECKING:
    from .keyframes import StableFn
    from .profiles import Profile


def _general_profile() -> Profile:
    from .profiles import load_profile

    return load_profile("general")


def _summary_window() -> int:
    from .summarize import SummaryOptions

    return SummaryOptions.window_chars


@dataclass(frozen=True)
class Options:
    out: Path = Path("vidscan-out")  # each video's report goes to out/<video name>/
    vlm: str = DEFAULT_VLM  # vision model that describes frames
    llm: str | None = None  # text model for the summary; None = the same as vlm (no model swap)
    backend: str = "ollama"  # or "openai" for vLLM, llama-server, LM Studio (backends.BACKENDS)
    host: str | None = None  # None = the backend's default ($OLLAMA_HOST, else http://127.0.0.1:11434)
    api_key: str | None = None  # for OpenAI-compatible servers that want one (else $VIDSCAN_API_KEY)
    more_hosts: tuple[str, ...] = ()  # further hosts: calls go to the least busy healthy one
    parallel: int = 2  # requests in flight (per host)
    pull: bool = False  # pull missing models instead of stopping
    timeout: float = 300.0  # seconds one model call may take
    max_side: int = 1024  # long side of the image sent to the model
    keyframes: KeyframeOptions = field(default_factory=KeyframeOptions)
    summary_window_chars: int = field(default_factory=_summary_window)
    cache_dir: Path | None = None  # None = $VIDSCAN_CACHE_DIR, else the user's cache directory
    use_cache: bool = True
    cache_max_bytes: int = DEFAULT_MAX_BYTES
    force: bool = False  # redo a video whose report is complete and current
    profile: Profile = field(default_factory=_general_profile)
    whisper_model: str | None = None  # a local faster-whisper (CTranslate2) model folder, or a size name
    # Describe keyframes while selection still runs (not with a transcript: it needs the final keyframes).
    early_captions: bool = True
    library: bool = True  # add each published report to the library index in `out` (vidscan search)
    embed_model: str | None = DEFAULT_EMBED_MODEL  # the library's embeddings; None: keyword search only

    def fingerprint(self) -> str:
        """What decides a report's content: a report made with other values is not current."""
        from .caption import CAPTION_SCHEMA_VERSION
        from .summarize import SUMMARY_SCHEMA_VERSION

        relevant = {
            "backend": self.backend,
            "vlm": self.vlm,
            "llm": self.summary_model,
            "max_side": self.max_side,
            "keyframes": asdict(self.keyframes),
            "window": self.summary_window_chars,
            "profile": asdict(self.profile),
            "whisper": self.whisper_model,
            "caption_schema": CAPTION_SCHEMA_VERSION,
            "summary_schema": SUMMARY_SCHEMA_VERSION,
        }
        return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @property
    def summary_model(self) -> str:
        return self.llm or self.vlm


@dataclass(frozen=True)
class AnalysisResult:
    report_dir: Path
    data: dict
    exit_code: int
    reused: bool = False  # the report was already complete and current: nothing was redone


def input_key(video: str, options: Options) -> str:
    """Same file (path, size, modification time) and same options: the same report."""
    stat = Path(video).stat()
    ident = f"{Path(video).resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{options.fingerprint()}"
    return hashlib.sha256(ident.encode()).hexdigest()[:24]


def _current_report(report_dir: Path, key: str) -> dict | None:
    try:
        data: dict = json.loads((report_dir / "report.json").read_text())
    except (OSError, ValueError):
        return None
    run = data.get("run", {})
    if (
        run.get("status") == "complete"
        and run.get("input_key") == key
        and (report_dir / "report.html").exists()
    ):
        return data
    return None


def open_cache(options: Options) -> ReplyCache | None:
    return open_reply_cache(options.cache_dir, options.cache_max_bytes) if options.use_cache else None


def analyze(
    video: str,
    options: Options | None = None,
    progress: Progress = QUIET,
    report_dir: Path | None = None,
    cache: ReplyCache | None = None,
) -> AnalysisResult:
    """Analyze one video and write report.json, report.html and frames/ (under options.out/<name>/
    unless report_dir is given). A report that is complete and current is reused unless options.force."""
    options = options or Options()
    started = datetime.now(timezone.utc)
    clock = time.monotonic()
    media.check_readable(video)
    report_dir = report_dir or options.out / Path(video).stem
    key = input_key(video, options)
    if not options.force:  # the same file with the same options: nothing to probe or decode
        current = _current_report(report_dir, key)
        if current is not None:
            progress.message(f"{report_dir / 'report.html'} is complete and current (use --force to redo it)")
            add_to_library(report_dir, options, progress, cache)  # a report from before the library
            return AnalysisResult(report_dir, current, EXIT_OK, reused=True)
    waiting = _pass_decoder(video, options.keyframes)
    with waiting or contextlib.nullcontext():
        info = _probe_while_loading(video)
        _ensure_writable(report_dir)
        owns_cache = cache is None
        cache = cache if cache is not None else open_cache(options)
        try:
            result = _run(video, info, options, progress, report_dir, key, cache, started, clock, waiting)
            add_to_library(report_dir, options, progress, cache)
            return result
        finally:
            if owns_cache and cache is not None:
                cache.close()


def probe_and_select(video: str, options: KeyframeOptions, progress: Progress = QUIET) -> KeyframeSelection:
    """media.probe, then select_with_progress, with their fixed costs overlapped (see _pass_decoder and
    _probe_while_loading): on a short clip they were most of the time."""
    media.check_readable(video)
    waiting = _pass_decoder(video, options)
    with waiting or contextlib.nullcontext():
        return select_with_progress(_probe_while_loading(video), options, progress, waiting=waiting)


def select_each(
    videos: Sequence[str],
    options: KeyframeOptions,
    progress: Progress = QUIET,
    starting: Callable[[int, str], None] | None = None,
) -> Iterator[tuple[str, KeyframeSelection | VidscanError]]:
    """probe_and_select for each video in turn, with the next video's ffprobe and ffmpeg started while
    this one's pass runs: in a batch a clip then costs its pass, not also a probe and an ffmpeg start-up.
    Yields (video, its selection or the error that stopped it): one video's failure stops no other.
    `starting(number, video)` is called as each one's turn comes (numbered from 1)."""
    ahead = _Opening(videos[0], options) if videos else None
    try:
        for number, video in enumerate(videos):
            opening = ahead
            ahead = _Opening(videos[number + 1], options) if number + 1 < len(videos) else None
            assert opening is not None
            if starting is not None:
                starting(number + 1, video)
            try:
                yield video, select_with_progress(opening.info(), options, progress, waiting=opening.waiting)
            except VidscanError as exc:
                yield video, exc
            finally:
                opening.close()
    finally:  # the caller stopped early: the next video's ffmpeg goes too
        if ahead is not None:
            ahead.close()


class _Opening:
    """A video's probe and the ffmpeg of its pass, both started, for select_each."""

    def __init__(self, video: str, options: KeyframeOptions) -> None:
        self.waiting: media.WaitingDecoder | None = None
        self._probe: media.PendingProbe | VidscanError
        try:
            media.check_readable(video)
            self.waiting = _pass_decoder(video, options)
            self._probe = media.start_probe(video)
        except VidscanError as exc:  # said when the video's turn comes
            self._probe = exc

    def info(self) -> VideoInfo:
        if isinstance(self._probe, VidscanError):
            raise self._probe
        return self._probe.result()

    def close(self) -> None:
        if self.waiting is not None:
            self.waiting.close()


def add_to_library(
    report_dir: Path, options: Options, progress: Progress = QUIET, cache: ReplyCache | None = None
) -> None:
    """Add a published report to the library index of its output folder (`vidscan search`). A failure
    here is a warning, never a failed analysis: the report is written either way."""
    if not options.library:
        return
    from .library import Library, LibraryOptions

    out, folder = options.out.resolve(), report_dir.resolve()
    root = out if folder.is_relative_to(out) else folder.parent
    # The same server, models and cache as the analysis (LibraryOptions' fields are named as here).
    shared = {f.name: getattr(options, f.name) for f in fields(LibraryOptions)}
    settings = LibraryOptions(**{**shared, "llm": options.summary_model})
    try:
        with Library(root, settings, progress, cache) as library:
            summary = library.add(folder)
    except (VidscanError, OSError, sqlite3.Error) as exc:
        progress.message(f"the library index in {root} was not updated: {exc}")
        return
    if summary.keyword_only:
        # Said once a run, not once a video of a batch: progress prints a message only the first time.
        reason = summary.keyword_only
        progress.message(
            f"search will match words only: {reason}"
            if not progress.shown(reason)
            else "search will match words only, for the reason above"
        )


def select_with_progress(
    info: VideoInfo,
    options: KeyframeOptions,
    progress: Progress,
    on_stable: StableFn | None = None,
    waiting: media.WaitingDecoder | None = None,
) -> KeyframeSelection:
    """select_keyframes with a "video covered" stage: the video time the pass has reached, out of the
    container's duration (an estimate: the stage ends where the video really ended), with the time
    left; the last line says how many frames were decoded."""
    from .keyframes import select_keyframes

    stage = progress.stage("video covered", info.duration or None, clock=True)
    selection = select_keyframes(
        info, options, lambda _n, t: stage.update(t), on_stable=on_stable, waiting=waiting
    )
    stage.note = f"{selection.frames_decoded} frames decoded"
    stage.finish()
    if selection.hwaccel_error:
        progress.message(
            f"--hwaccel {options.hwaccel} did not work ({selection.hwaccel_error}): decoded in software"
        )
    if selection.claimed_duration is not None:
        progress.message(cut_short(selection))
    if selection.gaps:
        progress.message(not_recorded(selection))
    return selection


def not_recorded(selection: KeyframeSelection) -> str:
    """What to tell the user about the stretches a camera's recording has no pictures for."""
    spans = ", ".join(f"{clock_text(a)}-{clock_text(b)}" for a, b in selection.gaps)
    missing = clock_text(sum(b - a for a, b in selection.gaps))
    return f"not recorded at {spans} ({missing} without pictures: a recorder that records on motion only?)"


def cut_short(selection: KeyframeSelection) -> str:
    """What to tell the user about a file whose pictures end before its claimed duration."""
    claimed, ended = clock_text(selection.claimed_duration or 0.0), clock_text(selection.video.duration)
    return (
        f"the file says it lasts {claimed} but its pictures end at {ended}: it was cut short (a recording "
        f"that was not finished, a copy interrupted); analysed up to {ended}"
    )


def _pass_decoder(video: str, options: KeyframeOptions) -> media.WaitingDecoder | None:
    """The keyframe pass's ffmpeg, started before the video is probed: its libraries load meanwhile
    (I-frames first and --hwaccel decode otherwise, and start their own)."""
    if options.iframes_first or options.hwaccel != "none":
        return None  # a hardware decode starts its own ffmpeg, with its software fallback
    return media.WaitingDecoder(video, detail="text" in DETECTORS.get(options.strategy, ()))


def _probe_while_loading(video: str) -> VideoInfo:
    """media.probe, with the keyframe pass imported while ffprobe runs: in a fresh process OpenCV and
    PySceneDetect take 0.3 s to load (PySceneDetect runs ffmpeg as it loads)."""
    probing = media.start_probe(video)
    try:
        importlib.import_module("vidscan.keyframes.selection")
    finally:
        info = probing.result()
    return info


def _run(
    video: str,
    info: VideoInfo,
    options: Options,
    progress: Progress,
    report_dir: Path,
    key: str,
    cache: ReplyCache | None,
    started: datetime,
    clock: float,
    waiting: media.WaitingDecoder | None = None,
) -> AnalysisResult:
    from .caption import Captioner, CaptionJob
    from .profiles import profile_outputs

    backend = make_backend(
        options.backend, options.host, options.timeout, options.api_key, options.more_hosts, options.parallel
    )
    caller = ModelCaller(backend, cache)
    if not is_local_host(backend.host):
        progress.message(f"frames will be sent to {backend.host}, which is not this machine")
    problems: list[str] = []
    server_ok = _preflight(caller, options, progress, problems)

    _remove_leftovers(report_dir)
    # Everything is made in a staging folder beside the report and moved into place only when whole.
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=report_dir))
    staging.chmod(0o777 & ~current_umask())
    try:
        (staging / "frames").mkdir()
        job = CaptionJob(
            model=options.vlm,
            profile=options.profile,
            max_side=options.max_side,
            workers=max(1, options.parallel) * (1 + len(options.more_hosts)),
            ocr=_ocr_ready(options.profile, problems),
        )
        wants_speech = options.profile.transcribe and info.has_audio
        early = options.early_captions and server_ok and not wants_speech
        with Captioner(caller, job, info, staging / "frames", server_ok, progress, problems) as captioner:
            on_stable = captioner.early if early else None
            selection = select_with_progress(info, options.keyframes, progress, on_stable, waiting)
            info = selection.video
            if selection.claimed_duration is not None:
                problems.append(cut_short(selection))
            if wants_speech:
                captioner.set_transcripts(_transcripts(info, selection, options, staging, progress, problems))
            captions, server_ok = captioner.finish(selection.keyframes)
        early_counts = (captioner.started, captioner.unused)
        summary = (
            _summarize(caller, options, info, captions, progress, problems, selection.gaps)
            if server_ok
            else None
        )
        failed = sum(1 for c in captions if c.caption is None)
        if failed and server_ok:  # when the server is down, problems already say why
            problems.append(f"{failed} of {len(captions)} keyframes have no caption (see each frame's error)")
        data = _finish(
            options, info, selection, captions, summary, caller, problems, key, started, clock, early_counts
        )
        try:
            written = write_report(data, staging, profile_outputs(data, options.profile))
        except OSError as exc:
            raise OutputError(f"cannot write the report in {report_dir}: {exc.strerror or exc}") from None
        _publish(staging, report_dir, written)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return AnalysisResult(report_dir, data, EXIT_OK if data["run"]["status"] == "complete" else EXIT_PARTIAL)


def _finish(
    options: Options,
    info: VideoInfo,
    selection: KeyframeSelection,
    captions: list[CaptionResult],
    summary: Summary | None,
    caller: ModelCaller,
    problems: list[str],
    key: str,
    started: datetime,
    clock: float,
    early_counts: tuple[int, int] = (0, 0),
) -> dict:
    from .profiles import apply_profile

    status = "complete" if not problems else "partial"
    run = RunInfo(
        vlm=options.vlm,
        llm=options.summary_model,
        host=caller.backend.host,
        started=started.isoformat(timespec="seconds"),
        seconds=round(time.monotonic() - clock, 2),
        model_calls=caller.model_calls,
        calls_by_host=tuple(caller.backend.calls_by_host().items()),
        cache_hits=caller.cache_hits,
        status=status,
        keyframe_strategy=selection.strategy,
        problems=tuple(problems),
        input_key=key,
        profile=options.profile.name,
        early_captions=early_counts[0],
        unused_captions=early_counts[1],
    )
    report = Report(video=info, selection=selection, captions=tuple(captions), summary=summary, run=run)
    return apply_profile(report_to_dict(report), options.profile)


def _preflight(caller: ModelCaller, options: Options, progress: Progress, problems: list[str]) -> bool:
    """Check the models before the first frame. False when the server cannot be reached (the run goes
    on: cached replies still count, and the report says why the rest is missing); raises when a model
    is missing or cannot read images."""
    backend = caller.backend
    try:
        for model, capability in _models_needed(options):
            try:
                info = backend.require(model, capability)
            except ModelNotFound:
                if not options.pull:
                    raise
                pull_model(backend, model, progress)
                info = backend.require(model, capability)
            caller.set_digest(model, info.digest)
        return True
    except ServerDown as exc:
        problems.append(str(exc))
    except ModelServerUnreachable as exc:
        problems.append(str(exc))
    progress.message(problems[-1], again="the model server: the same trouble as above")
    return False


def _models_needed(options: Options) -> list[tuple[str, str | None]]:
    needed: list[tuple[str, str | None]] = [(options.vlm, "vision")]
    if options.summary_model != options.vlm:
        needed.append((options.summary_model, None))
    return needed


def _ensure_writable(report_dir: Path) -> None:
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=report_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OutputError(
            f"cannot write to {report_dir}: {exc.strerror or exc}; choose another --out"
        ) from None


def _remove_leftovers(report_dir: Path) -> None:
    """Temporary files of a run that was killed (kill -9 runs no cleanup): removed by the next run."""
    for path in report_dir.glob(".staging-*"):
        pid = path.name.split("-")[1]
        if not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(path, ignore_errors=True)
    for path in report_dir.glob(".report.*.tmp"):
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _publish(staging: Path, report_dir: Path, names: list[str]) -> None:
    """Move a finished report into place: renames only, nothing that a full disk can stop halfway.
    The old frames go (no stale frames from an earlier run remain); report.html is renamed last."""
    old_frames = staging / "frames-old"
    if (report_dir / "frames").exists():
        (report_dir / "frames").rename(old_frames)
    (staging / "frames").rename(report_dir / "frames")
    for name in names:
        os.replace(staging / name, report_dir / name)


def _transcripts(
    info: VideoInfo,
    selection: KeyframeSelection,
    options: Options,
    staging: Path,
    progress: Progress,
    problems: list[str],
) -> dict[int, str]:
    """What was said while each keyframe was on screen, when the profile wants speech and there is audio."""
    if not options.profile.transcribe or not info.has_audio:
        return {}
    # In whole seconds of audio, as decoding counts frames: the total is known once Whisper has read it.
    stage = progress.stage("speech transcribed", None, unit="s")
    outcome = "speech: not transcribed"
    try:
        from .transcribe import align_to_keyframes, transcribe

        wav = media.extract_audio(info, staging / "audio.wav")
        model_path = (
            options.whisper_model if options.whisper_model and Path(options.whisper_model).is_dir() else None
        )
        segments = transcribe(
            wav,
            model=options.whisper_model or "base",
            model_path=model_path,
            progress=lambda done, total: stage.update(int(done), round(total)),
        )
        said = _counted(len(segments), "segment")
        outcome = f"speech: {stage.total or 0} s transcribed in {stage.seconds:.1f}s, {said}"
        return align_to_keyframes(segments, selection.keyframes)
    except VidscanError as exc:
        problems.append(f"no transcript: {exc}")
        outcome = f"speech: not transcribed: {exc}"
        return {}
    finally:
        (staging / "audio.wav").unlink(missing_ok=True)  # temporary audio never stays behind
        stage.close(outcome)


def _ocr_ready(profile: Profile, problems: list[str]) -> bool:
    if not profile.ocr:
        return False
    from . import ocr

    if ocr.available_engine() is None:
        problems.append(
            "no OCR: install an engine (pip install 'vidscan[ocr]', or sudo apt-get install tesseract-ocr)"
        )
        return False
    return True


def _summarize(
    caller: ModelCaller,
    options: Options,
    info: VideoInfo,
    captions: list[CaptionResult],
    progress: Progress,
    problems: list[str],
    gaps: tuple[tuple[float, float], ...] = (),
) -> Summary | None:
    """`gaps`: the stretches not recorded, which the model is told of."""
    if not any(c.caption for c in captions):
        if captions and not problems:  # no keyframe at all (a video that shows nothing) misses nothing
            problems.append("no keyframe has a caption, so there is no summary")
        return None
    from .summarize import SummaryContext, SummaryOptions, summarize

    stage = progress.stage("summary", None)
    outcome = "summary: none"
    try:
        summary = summarize(
            caller,
            options.summary_model,
            captions,
            SummaryContext(
                name=Path(info.path).name,
                duration=info.duration,
                guidance=options.profile.summary_guidance(),
                leveled=options.profile.schema == "security",
                gaps=gaps,
            ),
            SummaryOptions(window_chars=options.summary_window_chars, parallel=options.parallel),
            progress=lambda done, total: stage.update(done, total),
        )
        if summary is not None:
            chapters, events = (
                _counted(len(summary.chapters), "chapter"),
                _counted(len(summary.events), "event"),
            )
            outcome = f"summary: {chapters} and {events} in {stage.seconds:.1f}s"
        return summary
    except VidscanError as exc:
        problems.append(f"no summary: {exc}")
        outcome = f"summary: none: {exc}"
        return None
    finally:
        stage.close(outcome)


def _counted(count: int, thing: str) -> str:
    return f"{count} {thing}{'s' if count != 1 else ''}"
