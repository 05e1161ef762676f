"""How well a run keeps the model busy: wall time against the ideal, and time to the first caption.

    python -m benchmarks.pipeline [--latency 0.3] [--slots 2] [--minutes 10]

Runs vidscan against the fake Ollama server (tests/fake_ollama.py) with a fixed latency per call and N
parallel slots, on a synthetic clip with a cut every few seconds, with the cache off. Prints:
  ideal      = calls x latency / slots + keyframe-selection time (measured alone before and after
               the run in the same process, averaged)
  ratio      = wall / ideal                                    (target <= 1.10)
  first      = seconds from start to the first caption request  (target <= 3 s on a 10-minute clip)
  peak RSS   of the process
Figures are printed, never asserted: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.fake_ollama import FakeOllama
from vidscan import Options, analyze, probe, select_keyframes
from vidscan.keyframes import KeyframeOptions


def make_clip(path: Path, minutes: float, shot_seconds: float = 6.0) -> Path:
    """A 720p30 H.264 clip whose picture changes completely every `shot_seconds` (hue cycling + pattern)."""
    if path.exists():
        return path
    seconds = minutes * 60
    graph = (
        f"testsrc2=s=1280x720:r=30:d={seconds},"
        f"hue=h='360*floor(t/{shot_seconds})*0.37':s='1+mod(floor(t/{shot_seconds}),3)'"
    )
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            graph,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "60",
            str(path),
        ],
        check=True,
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--max-frames", type=int, default=120)
    args = parser.parse_args()

    cache = Path(tempfile.gettempdir()) / "vidscan-bench"
    cache.mkdir(exist_ok=True)
    clip = make_clip(cache / f"pipeline-{args.minutes:g}min.mp4", args.minutes)
    keyframe_options = KeyframeOptions(max_frames=args.max_frames)

    def time_selection() -> tuple[float, int]:
        started = time.monotonic()
        selection = select_keyframes(probe(str(clip)), keyframe_options)
        return time.monotonic() - started, len(selection.keyframes)

    # Selection alone is timed before and after the run and averaged: the load of a shared machine drifts.
    before, keyframes = time_selection()

    with FakeOllama(latency=args.latency, slots=args.slots) as server, tempfile.TemporaryDirectory() as out:
        options = Options(
            out=Path(out), host=server.url, parallel=args.slots, use_cache=False, keyframes=keyframe_options
        )
        started = time.monotonic()
        first_call: list[float] = []

        def watch() -> None:
            while not first_call:
                if server.calls:
                    first_call.append(time.monotonic() - started)
                time.sleep(0.01)

        threading.Thread(target=watch, daemon=True).start()
        result = analyze(str(clip), options)
        wall = time.monotonic() - started
        calls = server.calls

    after, _ = time_selection()
    selection_seconds = (before + after) / 2
    ideal = calls * args.latency / args.slots + selection_seconds
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"clip: {clip.name}, {args.minutes:g} min 1280x720 30 fps, {keyframes} keyframes")
    run = result.data["run"]
    print(f"latency {args.latency:g} s/call, {args.slots} slots, {calls} calls, status {run['status']}")
    print(f"early captions {run['early_captions']}, unused {run['unused_captions']}")
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| keyframe selection alone (before, after the run) | {before:.1f} s, {after:.1f} s | |")
    print(f"| wall | {wall:.1f} s | |")
    print(f"| ideal = calls x latency / slots + selection | {ideal:.1f} s | |")
    print(f"| wall / ideal | {wall / ideal:.2f} | <= 1.10 |")
    print(
        f"| time to first caption request | {first_call[0] if first_call else float('nan'):.1f} s | <= 3 s |"
    )
    print(f"| peak RSS (whole benchmark process) | {rss_mb:.0f} MB | flat in length |")


if __name__ == "__main__":
    main()
