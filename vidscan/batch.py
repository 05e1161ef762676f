"""Batches: many videos (files and folders) in one run, each isolated, with index.json and index.html.

One video's failure never stops the others. Ctrl-C leaves every finished report in place (each is
written atomically) and an index of what was done; nothing is left half-written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .cache import ReplyCache
from .errors import EXIT_FAILED, EXIT_FINDINGS, EXIT_OK, VidscanError
from .inputs import expand_inputs
from .outputs import BATCH_OUTPUTS
from .outputs.inspection import any_fail
from .outputs.security import fails
from .pipeline import Options, analyze, open_cache
from .profiles import Profile
from .progress import QUIET, Progress
from .report import write_atomic


def report_dirs(videos: list[str], out: Path) -> list[Path]:
    """One folder per video, named after it; same names get -2, -3 so no report overwrites another."""
    used: dict[str, int] = {}
    dirs = []
    for video in videos:
        stem = Path(video).stem or "video"
        used[stem] = used.get(stem, 0) + 1
        dirs.append(out / (stem if used[stem] == 1 else f"{stem}-{used[stem]}"))
    return dirs


@dataclass(frozen=True)
class BatchEntry:
    video: str
    report_dir: Path
    status: str  # complete | partial | failed | interrupted
    exit_code: int
    error: str | None
    data: dict | None


Job = tuple[str, Path]  # (video, its report folder)


def run_batch(
    inputs: list[str],
    options: Options,
    progress: Progress = QUIET,
    on_done: Callable[[BatchEntry], None] | None = None,
    ray_address: str | None = None,
) -> list[BatchEntry]:
    """Every video of `inputs`, here one after another, or as Ray tasks on a cluster (`ray_address`)."""
    videos = expand_inputs(inputs)
    jobs = list(zip(videos, report_dirs(videos, options.out), strict=True))
    entries: list[BatchEntry] = []

    def finished(entry: BatchEntry) -> None:
        entries.append(entry)
        if on_done:
            on_done(entry)

    try:
        if ray_address:
            from .ray_batch import run_on_ray

            run_on_ray(jobs, options, ray_address, progress, finished)
        else:
            _run_here(jobs, options, progress, finished)
    except KeyboardInterrupt:
        done = {e.video for e in entries}
        entries += [
            BatchEntry(v, d, "interrupted", EXIT_FAILED, "interrupted before it finished", None)
            for v, d in jobs
            if v not in done
        ]
        raise
    finally:
        order = {video: i for i, (video, _) in enumerate(jobs)}
        entries.sort(key=lambda e: order[e.video])
        if len(videos) > 1:
            write_index(entries, options.out)
    return entries


def _run_here(
    jobs: list[Job], options: Options, progress: Progress, finished: Callable[[BatchEntry], None]
) -> None:
    cache = open_cache(options)
    try:
        for number, (video, report_dir) in enumerate(jobs, start=1):
            if len(jobs) > 1:
                progress.message(f"[{number}/{len(jobs)}] {video}")
            finished(analyze_one(video, report_dir, options, progress, cache))
    finally:
        if cache is not None:
            cache.close()


def analyze_one(
    video: str,
    report_dir: Path,
    options: Options,
    progress: Progress = QUIET,
    cache: ReplyCache | None = None,
) -> BatchEntry:
    """One video of a batch: its failure is an entry, never an exception that stops the others."""
    try:
        result = analyze(video, options, progress, report_dir=report_dir, cache=cache)
    except VidscanError as exc:
        return BatchEntry(video, report_dir, "failed", exc.exit_code, str(exc), None)
    status = str(result.data["run"]["status"])
    return BatchEntry(video, report_dir, status, result.exit_code, None, result.data)


def batch_exit_code(entries: list[BatchEntry], fail_on: int | None = None) -> int:
    """1 if a video failed; else 4 if a check failed or an event reached --fail-on (for automation);
    else 3 if a report is partial; else 0."""
    if any(e.status in ("failed", "interrupted") for e in entries):
        return EXIT_FAILED
    reports = [e.data for e in entries if e.data is not None]
    if any_fail(reports) or (fail_on is not None and any(fails(r, fail_on) for r in reports)):
        return EXIT_FINDINGS
    return max((e.exit_code for e in entries), default=EXIT_OK)


def write_batch_outputs(reports: list[dict], profile: Profile, out: Path) -> list[str]:
    """The profile's files about the whole batch (verdicts.csv, verdicts.json) in the output folder."""
    for name in profile.batch_outputs:
        write_atomic(out / name, BATCH_OUTPUTS[name](reports).encode())
    return list(profile.batch_outputs)


def index_entry(entry: BatchEntry, out: Path) -> dict:
    data = entry.data or {}
    keyframes = data.get("keyframes", [])
    summary = data.get("summary") or {}
    rel = entry.report_dir.relative_to(out) if entry.report_dir.is_relative_to(out) else entry.report_dir
    return {
        "name": Path(entry.video).name,
        "video": entry.video,
        "report": f"{rel.as_posix()}/report.html" if entry.data else None,
        "report_json": f"{rel.as_posix()}/report.json" if entry.data else None,
        "status": entry.status,
        "duration": data.get("video", {}).get("duration"),
        "keyframes": len(keyframes),
        "events": len(summary.get("events", [])),
        "error": entry.error,
        "thumbnails": [f"{rel.as_posix()}/{k['image']}" for k in keyframes[:8]],
    }


def write_index(entries: list[BatchEntry], out: Path) -> None:
    from .report.html import render_index_html

    rows = [index_entry(e, out) for e in entries]
    write_atomic(out / "index.json", json.dumps({"videos": rows}, indent=2, ensure_ascii=False).encode())
    write_atomic(out / "index.html", render_index_html(rows, out).encode())
