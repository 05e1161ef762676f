"""Speed of the keyframe pass against ffmpeg's own decode of the same file.

    python -m benchmarks.speed [--clips NAME,NAME] [--strategies auto,scenes,iframes-first,pyscenedetect]
                               [--reps 3] [--seconds N]

Per repetition, in turn: `ffmpeg -i FILE -f null -` (the reference), then the keyframe pass with each
strategy, in this process. `pyscenedetect` runs PySceneDetect's `detect(path, ContentDetector())` in the
same turns: the issue's own yardstick ("PySceneDetect's API takes ~1.6× on this machine") shows which of
the clips resembles the file the target was set on. Alternating them puts all under the same load of this
shared machine; the medians of the ratios are what to read. CPU time is split with getrusage: this
process's own (Python and OpenCV) and its children's (ffmpeg). Prints figures; never passes or fails on
them.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from benchmarks.clips import ALL
from benchmarks.keyframes import ffmpeg_decode
from vidscan import media
from vidscan.keyframes import KeyframeOptions, select_keyframes

DEFAULT_CLIPS = "syn_cuts_10min_1080p,syn_cuts_10min_1080p_high"


@dataclass
class Timings:
    walls: list[float] = field(default_factory=list)
    python_cpu: list[float] = field(default_factory=list)
    ffmpeg_cpu: list[float] = field(default_factory=list)


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _select(path: Path, strategy: str) -> None:
    if strategy == "pyscenedetect":
        from scenedetect import ContentDetector, detect

        detect(str(path), ContentDetector())
        return
    if strategy == "iframes-first":
        options = KeyframeOptions(max_frames=0, strategy="scenes", iframes_first=True)
    else:
        options = KeyframeOptions(max_frames=0, strategy=strategy)
    select_keyframes(media.probe(str(path)), options)


def _timed(run: Callable[[], object], into: Timings) -> None:
    before, start = _cpu(), time.perf_counter()
    run()
    wall, after = time.perf_counter() - start, _cpu()
    into.walls.append(wall)
    into.python_cpu.append(after[0] - before[0])
    into.ffmpeg_cpu.append(after[1] - before[1])


def _excerpt(path: Path, seconds: float, folder: Path) -> Path:
    """The first `seconds` of `path`, stream-copied (no re-encode: the same bitstream to decode)."""
    out = folder / f"{path.stem}_{seconds:g}s{path.suffix}"
    cmd = ["ffmpeg", "-hide_banner", "-v", "error", "-y", "-i", str(path), "-t", f"{seconds}", "-c", "copy"]
    subprocess.run([*cmd, str(out)], check=True)
    return out


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--clips", default=DEFAULT_CLIPS, help=f"comma-separated (default {DEFAULT_CLIPS})")
    strategies_help = "auto, scenes, ..., iframes-first, pyscenedetect"
    parser.add_argument("--strategies", default="auto,scenes", help=strategies_help)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.0, help="only the first N seconds of each clip")
    args = parser.parse_args()
    clips = {c.name: c for c in ALL}
    strategies = args.strategies.split(",")
    print("| clip | strategy | median wall ÷ decode | range | Python CPU-s/min | ffmpeg CPU-s/min |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.clips.split(","):
            path = clips[name].path()
            if args.seconds:
                path = _excerpt(path, args.seconds, Path(folder))
            minutes = media.probe(str(path)).duration / 60
            results = {"decode": Timings(), **{s: Timings() for s in strategies}}
            for _ in range(args.reps):
                _timed(partial(ffmpeg_decode, path), results["decode"])
                for strategy in strategies:
                    _timed(partial(_select, path, strategy), results[strategy])
            reference = results["decode"]
            for label, timings in results.items():
                ratios = [w / d for w, d in zip(timings.walls, reference.walls, strict=True)]
                python = statistics.median(timings.python_cpu) / minutes
                ffmpeg = statistics.median(timings.ffmpeg_cpu) / minutes
                spread = f"{min(ratios):.2f}–{max(ratios):.2f}"
                wall = f"{statistics.median(timings.walls):.1f} s" if label == "decode" else ""
                median = f"{statistics.median(ratios):.2f}×" if label != "decode" else wall
                print(f"| {name} | {label} | {median} | {spread} | {python:.2f} | {ffmpeg:.2f} |")


if __name__ == "__main__":
    main()
