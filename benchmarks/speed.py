"""Speed of the keyframe pass against ffmpeg's own decode of the same file.

    python -m benchmarks.speed [--clips NAME,NAME] [--strategies auto,scenes,iframes-first,pyscenedetect]
                               [--reps 3] [--seconds N]
    python -m benchmarks.speed --corpus [--reps 3] [--clips NAME,NAME]   # every clip of ../shared/videos

`--corpus` measures what a user waits for, per clip of the shared corpus, and prints two figures:
- whole process: per repetition, in turn, `ffmpeg -i FILE -f null -`, `vidscan keyframes FILE`, `vidscan
  keyframes FILE --keyframes scenes` (cuts and fades only: PySceneDetect's job) and a Python process running
  PySceneDetect's `detect(FILE, ContentDetector())`, each a fresh process timed from start to exit
  (start-up and imports included); the medians of the ratios to the decode;
- the fixed cost per clip within a batch: the first half second of every clip (stream-copied: the same
  container, codec and size, a few frames to decode) through `select_each`, in one process that has
  already analysed a clip (imports and OpenCV's first calls paid), each clip timed from the result
  before it to its own. It includes those few frames' decode and analysis, so it is an upper bound of the
  cost a clip has whatever its length; beside it, what `ffmpeg -i EXCERPT -f null -` takes over the same
  half second. And the fixed cost itself, by the intercept: the first 1.5 s timed the same way, and the
  half second's time less half the difference (each second of video costing what the second second
  did), which leaves out the frames' own decode and analysis and keeps all that a clip costs once
  (probe, pipes, threads, ffmpeg's start-up).
    python -m benchmarks.speed --corpus --fixed-only   # the fixed cost only (about a minute)

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
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from benchmarks import compile_vidscan
from benchmarks.clips import ALL, SHARED
from benchmarks.keyframes import ffmpeg_decode
from vidscan import media
from vidscan.keyframes import KeyframeOptions
from vidscan.pipeline import probe_and_select, select_each

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
    probe_and_select(str(path), options)  # as vidscan keyframes and analyze run it


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


VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".webm", ".mov"}
# PySceneDetect as a user of its API runs it: a Python process, its content detector with the defaults.
PYSCENEDETECT = (
    "import sys; from scenedetect import ContentDetector, detect; detect(sys.argv[1], ContentDetector())"
)
# The excerpt whose analysis stands for a clip's fixed cost: the first half second holds the first frame
# of every clip (a GIF made into a video may hold its first picture that long) and seldom more than a
# group of pictures to decode.
FIXED_COST_SECONDS = 0.5
LONGER_SECONDS = 1.5  # the second excerpt, for the fixed cost by the intercept


def corpus(names: str = "") -> list[Path]:
    """Every video of the shared corpus; with `names`, those whose file name contains one of them."""
    wanted = [n for n in names.split(",") if n]
    return sorted(
        path
        for path in SHARED.rglob("*")
        if path.suffix.lower() in VIDEO_SUFFIXES and (not wanted or any(n in path.name for n in wanted))
    )


def _process_wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def whole_process(path: Path, reps: int) -> dict[str, list[float]]:
    """Wall seconds of each command per repetition, the commands run in turn (the same load for all)."""
    commands = {
        "decode": ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-f", "null", "-"],
        "vidscan": [sys.executable, "-m", "vidscan", "keyframes", str(path)],
        # The same job as PySceneDetect's: cuts and fades only.
        "scenes": [sys.executable, "-m", "vidscan", "keyframes", str(path), "--keyframes", "scenes"],
        "pyscenedetect": [sys.executable, "-c", PYSCENEDETECT, str(path)],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(reps):
        for name, args in commands.items():
            walls[name].append(_process_wall(args))
    return walls


@dataclass(frozen=True)
class FixedCost:
    """Per clip, median wall seconds: its first FIXED_COST_SECONDS in a batch, its first LONGER_SECONDS
    in a batch, and ffmpeg's own decode of the first FIXED_COST_SECONDS (start-up included)."""

    half: float
    longer: float
    decode: float

    @property
    def intercept(self) -> float:
        """The cost of a clip of no length: the half second's, less what its frames cost at the rate the
        longer excerpt's extra frames did."""
        rate = (self.longer - self.half) / (LONGER_SECONDS - FIXED_COST_SECONDS)
        return self.half - rate * FIXED_COST_SECONDS


def _batch_walls(excerpts: list[Path], options: KeyframeOptions) -> list[float]:
    """select_each over the excerpts, each timed from the result before it to its own (the first also
    waits for its probe)."""
    walls = []
    last = time.perf_counter()
    for _video, result in select_each([str(e) for e in excerpts], options):
        if isinstance(result, Exception):
            raise result
        walls.append(time.perf_counter() - last)
        last = time.perf_counter()
    return walls


def fixed_costs(paths: list[Path], reps: int, folder: Path) -> dict[Path, FixedCost]:
    """Per clip, in this process after a first clip has paid the imports and OpenCV's first calls: the
    first FIXED_COST_SECONDS and the first LONGER_SECONDS of every clip through select_each, and in the
    same turns `ffmpeg -i EXCERPT -f null -` of the half second: what decoding those few frames costs
    ffmpeg alone, its start-up included."""
    halves = [_excerpt(path, FIXED_COST_SECONDS, folder) for path in paths]
    longers = [_excerpt(path, LONGER_SECONDS, folder) for path in paths]
    options = KeyframeOptions(max_frames=0)
    list(select_each([str(halves[0])], options))
    walls: dict[str, list[list[float]]] = {"half": [], "longer": [], "decode": []}
    for _ in range(reps):
        walls["half"].append(_batch_walls(halves, options))
        walls["longer"].append(_batch_walls(longers, options))
        walls["decode"].append(
            [
                _process_wall(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(e), "-f", "null", "-"])
                for e in halves
            ]
        )
    medians = {
        name: [statistics.median(turn[i] for turn in turns) for i in range(len(paths))]
        for name, turns in walls.items()
    }
    return {
        path: FixedCost(medians["half"][i], medians["longer"][i], medians["decode"][i])
        for i, path in enumerate(paths)
    }


def fixed_cost_table(paths: list[Path], reps: int) -> None:
    print("| clip | first 0.5 s in a batch s | first 1.5 s in a batch s | fixed cost by the intercept s |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        costs = fixed_costs(paths, reps, Path(folder))
    for path in paths:
        cost = costs[path]
        print(f"| {path.name} | {cost.half:.3f} | {cost.longer:.3f} | {cost.intercept:.3f} |")
    over = sum(costs[path].intercept >= 0.2 for path in paths)
    print(f"\nfixed cost by the intercept 0.2 s or more on {over} of {len(paths)} clips")


def _median_ratio(walls: list[float], reference: list[float]) -> float:
    return statistics.median(w / r for w, r in zip(walls, reference, strict=True))


def corpus_table(paths: list[Path], reps: int) -> None:
    print(
        "| clip | s | decode s | vidscan ÷ decode | PySceneDetect ÷ decode | vidscan ÷ PySceneDetect "
        "| `--keyframes scenes` ÷ PySceneDetect | fixed cost in a batch s "
        "| ffmpeg's decode of that half second s | fixed cost by the intercept s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    ahead, scenes_ahead, over = 0, 0, 0
    with tempfile.TemporaryDirectory() as folder:
        costs = fixed_costs(paths, reps, Path(folder))
    for path in paths:
        walls = whole_process(path, reps)
        decode = walls["decode"]
        ours, theirs = _median_ratio(walls["vidscan"], decode), _median_ratio(walls["pyscenedetect"], decode)
        versus = _median_ratio(walls["vidscan"], walls["pyscenedetect"])
        scenes = _median_ratio(walls["scenes"], walls["pyscenedetect"])
        ahead += versus < 1
        scenes_ahead += scenes < 1
        fixed, excerpt_decode, intercept = costs[path].half, costs[path].decode, costs[path].intercept
        over += intercept >= 0.2
        seconds = media.probe(str(path)).duration
        print(
            f"| {path.name} | {seconds:.1f} | {statistics.median(decode):.2f} | {ours:.2f}× | {theirs:.2f}× "
            f"| {versus:.2f}× | {scenes:.2f}× | {fixed:.3f} | {excerpt_decode:.3f} | {intercept:.3f} |",
            flush=True,
        )
    print(
        f"\nvidscan ahead of PySceneDetect on {ahead} of {len(paths)} clips "
        f"({scenes_ahead} with --keyframes scenes, the same job); "
        f"fixed cost by the intercept 0.2 s or more on {over} of {len(paths)}"
    )


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--clips", default=None, help=f"comma-separated (default {DEFAULT_CLIPS})")
    strategies_help = "auto, scenes, ..., iframes-first, pyscenedetect"
    parser.add_argument("--strategies", default="auto,scenes", help=strategies_help)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.0, help="only the first N seconds of each clip")
    parser.add_argument(
        "--corpus",
        action="store_true",
        help="every clip of the shared corpus (--clips: parts of file names): whole process and fixed cost",
    )
    parser.add_argument(
        "--fixed-only", action="store_true", help="with --corpus: the fixed cost per clip only"
    )
    args = parser.parse_args()
    compile_vidscan()  # timed as a user's install runs
    if args.corpus and args.fixed_only:
        fixed_cost_table(corpus(args.clips or ""), args.reps)
        return
    if args.corpus:
        corpus_table(corpus(args.clips or ""), args.reps)
        return
    args.clips = args.clips or DEFAULT_CLIPS
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
