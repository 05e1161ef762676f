"""Keyframe benchmark: recall, redundancy, speed and memory of vidscan's keyframe selection, next to
PySceneDetect's default ContentDetector and a plain `ffmpeg -i FILE -f null -` decode of the same files.

    python -m benchmarks.keyframes [--quick] [--clips NAME,NAME] [--no-pyscenedetect] [--iframes-first]

Every measured run is a subprocess, so wall time and peak RSS (os.wait4) are its own. Prints figures;
never passes or fails on them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.clips import ALL, Clip, Units


@dataclass(frozen=True)
class Run:
    times: list[float]  # keyframe (or scene-middle) times
    calls: int  # keyframes that need a model call (not marked as a duplicate of an earlier one)
    wall: float
    rss_mb: float


def _measure(args: list[str]) -> tuple[str, float, float]:
    """Run a command; its stdout, wall seconds and peak RSS in MB."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{args} failed with {proc.returncode}")
    return out, time.perf_counter() - start, usage.ru_maxrss / 1024


def _child(kind: str, path: Path) -> Run:
    out, _, rss = _measure([sys.executable, "-m", "benchmarks.keyframes", "--child", kind, str(path)])
    result = json.loads(out)
    return Run(result["times"], result.get("calls", len(result["times"])), result["wall"], rss)


def ffmpeg_decode(path: Path) -> float:
    return _measure(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-f", "null", "-"])[1]


def _run_child(kind: str, path: str) -> None:
    """In the subprocess: select keyframes (or scenes) and print their times and the wall time (imports
    excluded, probe included) as JSON."""
    if kind in ("vidscan", "vidscan-iframes"):
        from vidscan import media
        from vidscan.keyframes import KeyframeOptions, select_keyframes

        start = time.perf_counter()
        # No frame budget: the benchmark measures what the detectors find (--max-frames would cap the
        # 2-hour clip's 312 shots at 120).
        options = KeyframeOptions(max_frames=0)
        if kind == "vidscan-iframes":
            options = KeyframeOptions(max_frames=0, strategy="scenes", iframes_first=True)
        keyframes = select_keyframes(media.probe(path), options).keyframes
        times = [k.time for k in keyframes]
        calls = sum(k.duplicate_of is None for k in keyframes)
    else:
        from scenedetect import ContentDetector, detect

        start = time.perf_counter()
        scenes = detect(path, ContentDetector())
        times = [(a.get_seconds() + b.get_seconds()) / 2 for a, b in scenes] or [0.0]
        calls = len(times)
    print(json.dumps({"times": times, "calls": calls, "wall": time.perf_counter() - start}))


def recall(units: Units, times: list[float]) -> int:
    return sum(any(lo <= t < hi for t in times) for lo, hi in units)


@dataclass
class Row:
    clip: Clip
    duration: float
    ours: Run
    psd: Run | None
    decode: float


def _fmt_row(r: Row) -> str:
    units = len(r.clip.units)
    found = recall(r.clip.units, r.ours.times)
    kfs = len(r.ours.times)
    if r.clip.kind == "constant":
        quality = f"{kfs / r.duration * 10:.2f}/10s"
    else:
        quality = f"{kfs / units:.2f}" if units else "-"
    psd = "-"
    if r.psd is not None:
        psd_found = f"{recall(r.clip.units, r.psd.times)}/{units}" if units else "-"
        psd = f"{psd_found} {len(r.psd.times)} kf {r.psd.wall:.1f}s ({r.psd.wall / r.decode:.2f}×)"
    cells = [
        r.clip.name,
        r.clip.kind,
        f"{r.duration:.0f}",
        f"{found}/{units}" if units else "-",
        str(kfs),
        str(r.ours.calls),
        quality,
        f"{r.ours.wall:.1f}",
        f"{r.duration / r.ours.wall:.1f}",
        f"{r.ours.rss_mb:.0f}",
        f"{r.decode:.1f}",
        f"{r.ours.wall / r.decode:.2f}",
        psd,
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| clip | kind | s | recall | keyframes | model calls | redundancy | wall s | ×realtime | peak RSS MB "
    "| ffmpeg decode s | ÷ decode | PySceneDetect ContentDetector: recall, scenes, wall (÷ decode) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _duration(path: Path) -> float:
    from vidscan import media

    return media.probe(str(path)).duration


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the long synthetic clips")
    parser.add_argument("--clips", help="comma-separated clip names (default: all)")
    parser.add_argument("--no-pyscenedetect", action="store_true", help="skip the PySceneDetect runs")
    parser.add_argument(
        "--iframes-first", action="store_true", help="vidscan with --iframes-first (scenes only)"
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_child(*args.child)
        return
    wanted = set(args.clips.split(",")) if args.clips else None
    clips = [c for c in ALL if (wanted is None or c.name in wanted) and not (args.quick and c.long)]
    print(HEADER, flush=True)
    rows = []
    for clip in clips:
        path = clip.path()
        if not path.exists():
            print(f"| {clip.name} | missing: {path} |", flush=True)
            continue
        decode = ffmpeg_decode(path)
        ours = _child("vidscan-iframes" if args.iframes_first else "vidscan", path)
        # PySceneDetect on the 2-hour clip would take longer than the rest of the benchmark together.
        skip_psd = args.no_pyscenedetect or clip.name == "syn_2h_720p"
        psd = None if skip_psd else _child("pyscenedetect", path)
        row = Row(clip, _duration(path), ours, psd, decode)
        rows.append(row)
        print(_fmt_row(row), flush=True)
    units = sum(len(r.clip.units) for r in rows)
    found = sum(recall(r.clip.units, r.ours.times) for r in rows)
    kfs = sum(len(r.ours.times) for r in rows if r.clip.units)
    psd_rows = [r for r in rows if r.psd is not None]
    psd_found = sum(recall(r.clip.units, r.psd.times) for r in psd_rows if r.psd)
    psd_units = sum(len(r.clip.units) for r in psd_rows)
    print(
        f"\ntotal: recall {found}/{units} = {found / max(units, 1):.3f}, "
        f"keyframes on clips with units {kfs} (redundancy {kfs / max(units, 1):.2f}); "
        f"PySceneDetect recall {psd_found}/{psd_units} = {psd_found / max(psd_units, 1):.3f}"
    )


if __name__ == "__main__":
    main()
