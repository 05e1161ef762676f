"""Command line: parse options, call the library, turn the outcome into an exit code.

This is the one error boundary: a VidscanError becomes one line on stderr and its exit code; anything
else is reported as an internal error (with a traceback only when VIDSCAN_DEBUG=1).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import traceback
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .backends import BACKENDS
from .cache import DEFAULT_MAX_BYTES, ReplyCache, default_cache_dir
from .defaults import DEFAULT_EMBED_MODEL, DEFAULT_VLM
from .errors import EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE, UsageError, VidscanError
from .keyframes import STRATEGIES, KeyframeOptions

# Each command imports what it runs when it runs it: `--help`, `doctor`, `cache` and argument errors
# answer before OpenCV, PySceneDetect or the model clients have loaded.
if TYPE_CHECKING:
    from .batch import BatchEntry
    from .progress import Progress
    from .types import KeyframeSelection


DEFAULT_OUT = Path("vidscan-out")  # the folder analyze writes to, and index, search and ask read


class _Parser(argparse.ArgumentParser):
    commands: Mapping[str, argparse.ArgumentParser]  # the subcommands' parsers, on the top-level one

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"vidscan: error: {message} (see `{self.prog} --help`)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value:g}")
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vlm", default=DEFAULT_VLM, help=f"vision model for frames (default: {DEFAULT_VLM})"
    )
    parser.add_argument("--llm", help="text model for the summary (default: the --vlm model, no model swap)")
    _add_server_options(parser)


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=sorted(BACKENDS),
        default="ollama",
        help="model server API: ollama (default) or openai (vLLM, llama-server, LM Studio, Ollama's /v1)",
    )
    parser.add_argument(
        "--host",
        action="append",
        help="server URL; repeat it to spread calls over several hosts "
        "(ollama default: $OLLAMA_HOST, else http://127.0.0.1:11434; "
        "openai: the base URL, e.g. http://gpu-box:8000/v1)",
    )
    parser.add_argument(
        "--api-key", help="API key for an OpenAI-compatible server (default: $VIDSCAN_API_KEY)"
    )


def _add_keyframe_options(parser: argparse.ArgumentParser) -> None:
    defaults = KeyframeOptions()
    parser.add_argument(
        "--max-frames",
        type=_positive_int,
        default=defaults.max_frames,
        help=f"at most this many keyframes, spread over the video (default: {defaults.max_frames})",
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        default=defaults.min_coverage,
        metavar="SECONDS",
        help="no gap longer than this without a keyframe; 0 turns it off "
        f"(default: {defaults.min_coverage:g})",
    )
    parser.add_argument(
        "--keyframes",
        choices=STRATEGIES,
        default=None,
        help="how keyframes are found: scenes (cuts, fades), motion (fixed cameras), text (slides, screens), "
        "interval (even sampling), auto (all of them, per shot) (default: the profile's; auto)",
    )
    parser.add_argument(
        "--iframes-first",
        action="store_true",
        help="H.264/H.265: decode the keyframes (I-frames), and every frame only between two that "
        "differ (cuts; on a fixed camera, anything that moved against the clip's noise): edited "
        "footage about 5x, quiet camera footage about 4x (8-10x with PyAV) faster than a full "
        "decode, but what comes and goes within one keyframe interval can go unseen; no text "
        "keyframes",
    )
    parser.add_argument(
        "--hwaccel",
        default=defaults.hwaccel,
        metavar="auto|none|NAME",
        help="decode with the machine's video hardware through ffmpeg (auto, or a name such as vaapi, "
        "cuda, qsv, videotoolbox); when it fails, decoding falls back to software with a message "
        f"(default: {defaults.hwaccel})",
    )
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=defaults.heartbeat,
        metavar="SECONDS",
        help="motion: a keyframe this often while a fixed camera sees nothing; 0 turns it off "
        f"(default: {defaults.heartbeat:g})",
    )
    parser.add_argument(
        "--activity-interval",
        type=_positive_float,
        default=defaults.activity_interval,
        metavar="SECONDS",
        help="motion: one keyframe per this many seconds while activity lasts "
        f"(default: {defaults.activity_interval:g})",
    )
    parser.add_argument(
        "--interval",
        type=_positive_float,
        default=defaults.interval,
        metavar="SECONDS",
        help=f"interval: seconds between keyframes (default: {defaults.interval:g})",
    )


def _size(text: str) -> int:
    units = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(f"expected a size like 500M or 2G, got {text!r}")
    return int(float(match.group(1)) * units[match.group(2)])


def _add_profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        default="general",
        help="what to ask of each frame and what to write: general, lecture, security, inspection, "
        "or the path of your own TOML file (default: general)",
    )
    parser.add_argument("--prompt", help="more instructions for the model, added to the profile's")
    parser.add_argument(
        "--context", help='what is normal in this footage, e.g. "a loading dock; trucks by day"'
    )
    parser.add_argument(
        "--check",
        action="append",
        metavar="TEXT",
        help='inspection: what must hold, e.g. "three bottles stand"',
    )
    parser.add_argument(
        "--checklist", metavar="FILE", help="inspection: checks from a file (one per line, TOML, YAML)"
    )
    parser.add_argument(
        "--fail-on",
        type=int,
        metavar="LEVEL",
        help="security: exit 4 when an event at this level (1 unusual, 2 threat) or above is found",
    )
    parser.add_argument(
        "--whisper-model",
        metavar="PATH_OR_SIZE",
        help="lecture: a local faster-whisper model folder, or a Whisper size to download (default: base)",
    )


def _add_cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="cache of model replies (default: $VIDSCAN_CACHE_DIR, else ~/.cache/vidscan)",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument(
        "--cache-max-size",
        type=_size,
        default=DEFAULT_MAX_BYTES,
        metavar="SIZE",
        help="least recently used replies are evicted past this size (default: 1G)",
    )


def _embed_model(text: str) -> str | None:
    return None if text.strip().lower() in ("", "none", "off") else text.strip()


def _add_embed_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--embed-model",
        type=_embed_model,
        default=DEFAULT_EMBED_MODEL,
        metavar="MODEL",
        help=f"embedding model for the library's search by meaning; none: words only "
        f"(default: {DEFAULT_EMBED_MODEL})",
    )


def _add_library_options(parser: argparse.ArgumentParser) -> None:
    """What index, search and ask share: the embedding model, its server, the cache."""
    _add_embed_option(parser)
    _add_server_options(parser)
    parser.add_argument("--pull", action="store_true", help="pull a missing model instead of going without")
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=300.0,
        help="seconds one model call may take (default: 300)",
    )
    _add_cache_options(parser)
    _add_common(parser)


def _seconds(text: str) -> float:
    """90, 1:30 or 1:02:03.5 as seconds."""
    try:
        value = 0.0
        for part in text.strip().split(":"):
            value = value * 60 + float(part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds or m:ss, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a time is 0 or more, got {text!r}")
    return value


def _add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--video",
        action="append",
        metavar="NAME",
        help="only videos whose file name or report folder contains NAME (repeat for several)",
    )
    parser.add_argument(
        "--profile", help="only videos analyzed with this profile (general, lecture, security, inspection)"
    )
    parser.add_argument(
        "--from", dest="start", type=_seconds, metavar="TIME", help="only from this time on (s or m:ss)"
    )
    parser.add_argument(
        "--to", dest="end", type=_seconds, metavar="TIME", help="only up to this time (s or m:ss)"
    )
    parser.add_argument(
        "--min-level", type=int, choices=(0, 1, 2), help="security: only moments at this level or above"
    )
    parser.add_argument(
        "--verdict", choices=("pass", "fail", "uncertain"), help="inspection: only moments with this verdict"
    )


def build_parser() -> _Parser:
    parser = _Parser(
        prog="vidscan", description="Turn a video into a report you can read instead of watching."
    )
    parser.add_argument("--version", action="version", version=f"vidscan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    parser.commands = sub.choices

    run = sub.add_parser("analyze", help="video in, report.html + report.json out")
    run.add_argument("videos", nargs="+", metavar="VIDEO", help="video files, or folders searched for videos")
    run.add_argument(
        "-o", "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: vidscan-out)"
    )
    _add_model_options(run)
    _add_keyframe_options(run)
    run.add_argument(
        "--parallel", type=_positive_int, default=2, help="model requests in flight (default: 2)"
    )
    run.add_argument("--pull", action="store_true", help="pull missing models instead of stopping")
    run.add_argument("--force", action="store_true", help="redo videos whose report is complete and current")
    _add_profile_options(run)
    run.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run each video as a task on a Ray cluster: auto (a running one), local (start one here), "
        "or HOST:PORT; needs pip install 'vidscan[ray]'",
    )
    _add_cache_options(run)
    _add_embed_option(run)
    run.add_argument(
        "--timeout",
        type=_positive_float,
        default=300.0,
        help="seconds one model call may take (default: 300)",
    )
    _add_common(run)

    kf = sub.add_parser("keyframes", help="keyframe selection only, no model involved")
    kf.add_argument(
        "videos",
        metavar="VIDEO",
        nargs="+",
        help="video files, or folders searched for videos; many run in one process, each clip's probe "
        "and decoder started while the one before is analysed",
    )
    kf.add_argument("--json", action="store_true", help="print JSON to stdout")
    _add_keyframe_options(kf)
    _add_common(kf)

    cache = sub.add_parser("cache", help="show or clear the cache of model replies")
    cache.add_argument("action", choices=["info", "clear"])
    _add_cache_options(cache)
    _add_common(cache)

    index = sub.add_parser("index", help="build or refresh the library index of the reports in a folder")
    index.add_argument(
        "dir",
        nargs="?",
        type=Path,
        default=None,
        metavar="DIR",
        help="the folder of reports (default: vidscan-out)",
    )
    index.add_argument("-o", "--out", type=Path, help="the same folder, named as search and ask name it")
    _add_library_options(index)

    find = sub.add_parser("search", help='find moments in every analyzed video: vidscan search "a red car"')
    find.add_argument("query", metavar="QUERY", help="any words; quotes and symbols are taken as text")
    find.add_argument(
        "-o", "--out", type=Path, default=DEFAULT_OUT, help="the folder of reports (default: vidscan-out)"
    )
    _add_filter_options(find)
    find.add_argument(
        "--limit", type=_positive_int, default=10, help="at most this many moments (default: 10)"
    )
    find.add_argument("--json", action="store_true", help="print JSON to stdout")
    find.add_argument("--html", type=Path, metavar="FILE", help="also write a results page with thumbnails")
    _add_library_options(find)

    ask = sub.add_parser("ask", help="ask a video (or all of them) a question, answered with its frames")
    ask.add_argument(
        "targets",
        nargs="+",
        metavar="[VIDEO_OR_REPORT] QUESTION",
        help="a video, its report folder or report.json (default: every video in --out), then the question",
    )
    ask.add_argument(
        "-o",
        "--out",
        type=Path,
        help="the folder of reports (default: the report's own, else vidscan-out)",
    )
    ask.add_argument(
        "--llm",
        help=f"text model that answers (default: the one that summarized the videos, else {DEFAULT_VLM})",
    )
    ask.add_argument(
        "--moments", type=_positive_int, default=8, help="moments given to the model (default: 8)"
    )
    _add_filter_options(ask)
    ask.add_argument("--json", action="store_true", help="print JSON to stdout")
    _add_library_options(ask)

    doc = sub.add_parser(
        "doctor",
        help="check ffmpeg, the Ollama server and the models, and which optional features are installed",
    )
    _add_model_options(doc)
    _add_embed_option(doc)
    _add_common(doc)
    return parser


def _progress(args: argparse.Namespace) -> Progress:
    from .progress import Progress

    return Progress("quiet" if args.quiet else "auto")


def _check_keyframe_args(args: argparse.Namespace) -> None:
    if args.min_coverage < 0:
        raise UsageError("--min-coverage must be 0 (off) or more")
    if args.heartbeat < 0:
        raise UsageError("--heartbeat must be 0 (off) or more")
    if args.iframes_first and args.keyframes == "text":
        raise UsageError("--iframes-first cannot follow text changes; it does not go with --keyframes text")


def _keyframe_options(args: argparse.Namespace, profile_strategy: str = "auto") -> KeyframeOptions:
    _check_keyframe_args(args)
    strategy = args.keyframes or profile_strategy
    if args.iframes_first:
        strategy = "scenes" if strategy == "text" else strategy  # a profile's text: its cuts
    return KeyframeOptions(
        iframes_first=args.iframes_first,
        hwaccel=args.hwaccel.strip() or "none",
        strategy=strategy,
        max_frames=args.max_frames,
        min_coverage=args.min_coverage,
        heartbeat=args.heartbeat,
        activity_interval=args.activity_interval,
        interval=args.interval,
    )


def cmd_analyze(args: argparse.Namespace) -> int:
    if args.fail_on is not None and args.fail_on not in (1, 2):
        raise UsageError("--fail-on takes 1 (unusual) or 2 (threat)")
    _check_keyframe_args(args)
    if len(args.videos) == 1 and not Path(args.videos[0]).is_dir():
        from .media import check_readable

        check_readable(args.videos[0])  # a mistyped name is said before the profile loads (pydantic)
    from .profiles import load_profile

    profile = load_profile(args.profile, args.prompt, args.context, args.check, args.checklist)
    from .batch import batch_exit_code, run_batch, write_batch_outputs
    from .outputs.inspection import failed_report, verdict_table
    from .pipeline import Options

    options = Options(
        profile=profile,
        whisper_model=args.whisper_model,
        force=args.force,
        out=args.out,
        vlm=args.vlm,
        llm=args.llm,
        parallel=args.parallel,
        keyframes=_keyframe_options(args, profile.keyframes),
        **_server_and_cache(args),
    )
    progress = _progress(args)
    entries = run_batch(
        args.videos,
        options,
        progress,
        on_done=lambda entry: _print_entry(entry, progress),
        ray_address=args.ray,
    )
    if len(entries) > 1:
        print(f"index: {options.out / 'index.html'}")
    if profile.batch_outputs:
        # A clip that could not be analysed is in the verdict files too, as an error that says why.
        reports = [
            e.data if e.data is not None else failed_report(e.video, e.error or e.status, profile.checks)
            for e in entries
        ]
        for name in write_batch_outputs(reports, profile, options.out):
            print(f"{options.out / name}")
        print(verdict_table(reports))
    return batch_exit_code(entries, fail_on=args.fail_on)


def _print_entry(entry: BatchEntry, progress: Progress) -> None:
    """The report's line, and its problems that were not printed already while it was made."""
    if entry.data is None:
        print(f"vidscan: error: {entry.error}", file=sys.stderr)
        return
    run = entry.data["run"]
    count = len(entry.data["keyframes"])
    keyframes = f"{count} keyframe{'s' if count != 1 else ''}"
    print(f"{entry.report_dir / 'report.html'}  ({keyframes}, {run['status']}, {run['seconds']:.1f}s)")
    for problem in run["problems"]:
        if not progress.shown(problem):
            print(f"vidscan: warning: {problem}", file=sys.stderr)


def cmd_cache(args: argparse.Namespace) -> int:
    directory = args.cache_dir or default_cache_dir()
    cache = ReplyCache(directory, args.cache_max_size)
    try:
        if args.action == "clear":
            print(f"removed {cache.clear()} cached replies from {cache.path}")
        else:
            info = cache.info()
            size, limit = info.bytes / 1e6, info.max_bytes / 1e6
            print(f"{info.path}: {info.entries} replies, {size:.1f} MB of {limit:.0f} MB")
    finally:
        cache.close()
    return 0


def cmd_keyframes(args: argparse.Namespace) -> int:
    from .inputs import expand_inputs
    from .pipeline import probe_and_select, select_each

    options = _keyframe_options(args)
    progress = _progress(args)
    if len(args.videos) == 1 and not Path(args.videos[0]).is_dir():
        selection = probe_and_select(args.videos[0], options, progress)
        if args.json:
            print(json.dumps(_selection_json(selection), indent=2))
        else:
            _print_selection(selection)
        return 0
    # Many clips (an inspection line's hundreds): one process, one clip's failure stops no other.
    videos = expand_inputs(args.videos)
    results: list[dict] = []
    failed: list[str] = []

    def starting(number: int, video: str) -> None:
        progress.message(f"[{number}/{len(videos)}] {video}")

    for video, found in select_each(videos, options, progress, starting):
        if isinstance(found, VidscanError):
            failed.append(video)
            print(f"vidscan: error: {found}", file=sys.stderr)
            results.append({"path": video, "error": str(found)})
        elif args.json:
            results.append({"path": video, **_selection_json(found)})
        else:
            print(f"== {video}")
            _print_selection(found)
    if args.json:
        print(json.dumps(results, indent=2))
    # The tally, after hundreds of clips' lines: which could not be read, if any (each said why above).
    named = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
    unread = f"; could not read {len(failed)}: {named}" if failed else ""
    progress.message(f"keyframes of {len(videos) - len(failed)} of {len(videos)} videos{unread}")
    return EXIT_FAILED if failed else 0


def _selection_json(selection: KeyframeSelection) -> dict:
    return {
        "video": {
            **asdict(selection.video),
            # where a file cut short claims to end (its pictures end at "duration")
            "claimed_duration": selection.claimed_duration,
        },
        "strategy": selection.strategy,
        # stretches the file has no pictures for (a camera recorded with gaps)
        "gaps": [list(g) for g in selection.gaps],
        # stretches that showed nothing worth a picture (black, blank): no keyframe stands for them
        "blank": [list(b) for b in selection.blank],
        "keyframes": [
            {
                "index": k.index,
                "time": k.time,
                "reason": k.reason,
                "segment": list(k.segment),
                "duplicate_of": k.duplicate_of,
            }
            for k in selection.keyframes
        ],
    }


def _print_selection(selection: KeyframeSelection) -> None:
    for k in selection.keyframes:
        print(f"{k.index:4d}  {k.time:10.3f}s  {k.reason:<9} segment {k.segment[0]:.2f}-{k.segment[1]:.2f}s")
    _say_what_has_no_keyframe(selection)


def _say_what_has_no_keyframe(selection: KeyframeSelection) -> None:
    """On stderr, in the report's words: the stretches no keyframe stands for, and why (a video that is
    black throughout would otherwise list nothing and say nothing)."""
    from .report.html import blank_note, gap_note

    timeline = {"timeline": {"gaps": list(selection.gaps), "blank": list(selection.blank)}}
    for note in (gap_note(timeline, precise=True), blank_note(timeline, precise=True)):
        if note:
            print(f"vidscan: {note}", file=sys.stderr)
    if not selection.keyframes and not selection.blank:
        print("vidscan: no keyframe was chosen", file=sys.stderr)


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import feature_checks, run_checks

    checks: list = []
    for host in args.host or [None]:
        checks += run_checks(host, args.vlm, args.llm, args.backend, args.api_key, args.embed_model)
    checks += feature_checks()
    for check in checks:
        mark = "ok  " if check.ok else "note" if check.optional else "FAIL"
        print(f"{mark}  {check.name:<14} {check.detail}")
    # A missing optional feature is a note: runs go on without it, and their reports say what is missing.
    return 0 if all(c.ok or c.optional for c in checks) else EXIT_FAILED


def _library(args: argparse.Namespace, root: Path):  # -> vidscan.library.Library (imported lazily)
    from .library import Library, LibraryOptions

    options = LibraryOptions(llm=getattr(args, "llm", None), **_server_and_cache(args))
    return Library(root, options, _progress(args))


def _server_and_cache(args: argparse.Namespace) -> dict:
    """What analyze's Options and the library's options take alike from the command line."""
    return {
        "embed_model": args.embed_model,
        "backend": args.backend,
        "host": args.host[0] if args.host else None,
        "more_hosts": tuple(args.host[1:]) if args.host else (),
        "api_key": args.api_key,
        "timeout": args.timeout,
        "pull": args.pull,
        "cache_dir": args.cache_dir,
        "use_cache": not args.no_cache,
        "cache_max_bytes": args.cache_max_size,
    }


def _filters(args: argparse.Namespace, reports: tuple[str, ...] = ()):  # -> SearchFilters
    from .library import SearchFilters

    return SearchFilters(
        videos=tuple(args.video or ()),
        profile=args.profile,
        start=args.start,
        end=args.end,
        min_level=args.min_level,
        verdict=args.verdict,
        reports=reports,
    )


def _notes(notes: tuple[str, ...]) -> None:
    """Each note on a line; a reason given in full already (the server down, behind both "keyword search
    only" and "could not ask") is not given again."""
    given: set[str] = set()
    for note in notes:
        what, colon, why = note.partition(": ")
        if colon and why and why in given:
            note = f"{what}: the same reason as above"
        given.add(why)
        print(f"vidscan: note: {note}", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    from .library.text import index_lines

    if args.dir is not None and args.out is not None and args.dir != args.out:
        raise UsageError(f"two folders given ({args.dir} and --out {args.out}): name one")
    with _library(args, args.out or args.dir or DEFAULT_OUT) as library:
        summary = library.refresh()
        lines = index_lines(summary, library.path)
    print("\n".join(lines))
    if summary.keyword_only:
        _notes((f"search will match words only: {summary.keyword_only}",))
    return EXIT_PARTIAL if summary.skipped else 0


def cmd_search(args: argparse.Namespace) -> int:
    from .library.text import search_json, search_lines

    with _library(args, args.out) as library:
        result = library.search(args.query, _filters(args), args.limit)
    _notes(result.notes)
    if args.html:
        from .report.search_page import write_search_page

        write_search_page(result, args.html)
    if args.json:
        print(json.dumps(search_json(result), indent=2, ensure_ascii=False))
    else:
        print("\n".join(search_lines(result)))
        if args.html:
            print(f"results page: {args.html}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    if len(args.targets) > 2:  # said before the library (numpy, pydantic) loads
        raise UsageError("ask takes a question, optionally after one video or report (quote the question)")
    from .library.text import answer_json, answer_lines

    *target, question = args.targets
    folder = _report_folder(target[0]) if target else None
    root = args.out or (folder.parent if folder else DEFAULT_OUT)
    with _library(args, root) as library:
        reports = (library.report_for(target[0]),) if target else ()
        answer = library.ask(question, _filters(args, reports), args.moments)
    _notes(answer.notes)
    if args.json:
        print(json.dumps(answer_json(answer), indent=2, ensure_ascii=False))
    else:
        print("\n".join(answer_lines(answer)))
    return EXIT_PARTIAL if answer.status in ("no model", "unsupported", "undescribed") else 0


def _report_folder(target: str) -> Path | None:
    """The report folder a target names (a report.json or its folder), None for anything else."""
    path = Path(target)
    if path.name == "report.json" and path.is_file():
        return path.parent
    if (path / "report.json").is_file():
        return path
    return None


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


COMMANDS = {
    "analyze": cmd_analyze,
    "keyframes": cmd_keyframes,
    "index": cmd_index,
    "search": cmd_search,
    "ask": cmd_ask,
    "doctor": cmd_doctor,
    "cache": cmd_cache,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command's own parser, whose help lists what it takes
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="vidscan: %(message)s"
    )
    # SIGTERM ends a run like Ctrl-C: temporary files are removed, finished reports stay.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return COMMANDS[args.command](args)
    except VidscanError as exc:
        print(f"vidscan: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("vidscan: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the error boundary: no traceback for users unless asked
        if os.environ.get("VIDSCAN_DEBUG") == "1":
            traceback.print_exc()
        print(
            f"vidscan: internal error: {type(exc).__name__}: {exc} (run with VIDSCAN_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
