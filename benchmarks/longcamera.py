"""A day of camera footage: I-frames first against the full pass on a long fixed-camera recording made
from real footage, and memory on a day of it.

    python -m benchmarks.longcamera                  # 1 hour: ffmpeg's decode, the full pass, I-frames first
    python -m benchmarks.longcamera --day            # and 24 hours, I-frames first only (memory)
    python -m benchmarks.longcamera --fps 10 --skip-full   # the source's own 10 frames/s
    python -m benchmarks.longcamera --skip-full --without-pyav   # also I-frames first decoded by ffmpeg
    python -m benchmarks.longcamera --skip-full --clock   # with a recorder's clock drawn over the hour

The clip (made once into the cache directory, `$VIDSCAN_BENCH_CACHE` or ~/.cache/vidscan-bench): the
first 6 s of ../shared/videos/surveillance/intel_one-by-one-person-detection.mp4, where the standing
table is empty, looped with its real sensor noise; the six real visits of the same clip (a person walks
up, stays, leaves; MANIFEST.md's times, with a second of empty scene either side) placed at known times,
about 3% of the hour. Encoded as a recorder does: H.264 Main, no B-frames, a keyframe every 2 s, VBR at
CRF 23 capped at 4 Mbit/s, scaled to 1920x1080, at 25 frames/s made by blending neighbouring real frames
(ffmpeg's framerate filter: every frame is made of real frames only). Every piece lasts a whole number of
keyframe intervals and is encoded alone, and the hour is their concatenation, stream-copied; the day is
the hour 24 times over, stream-copied as well, so nothing of 24 hours is ever encoded or decoded in full.

Measured, each in a subprocess of its own (wall time of the selection, probe included, imports not; peak
RSS from os.wait4): `ffmpeg -i FILE -f null -`, vidscan's full pass (auto) and I-frames first (auto). An
event is found when a motion keyframe (activity start or peak, settled) lies within it. Prints figures;
never passes or fails on them. An event's keyframes may lie 1 s before and 3 s after its times (BEFORE,
AFTER below).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.clips import CACHE, SHARED

SOURCE = SHARED / "surveillance" / "intel_one-by-one-person-detection.mp4"
EMPTY = (0.0, 6.0)  # seconds of the source with nobody in view (the first visit starts at 6.6 s)
# The source's visits (MANIFEST.md, ±1 s), each cut with a second of empty scene either side and
# lengthened to whole keyframe intervals.
VISITS = ((6.6, 20.3), (23.0, 45.3), (50.4, 70.4), (74.8, 87.4), (92.5, 120.5), (123.8, 136.6))
GOP = 2.0  # seconds between keyframes, as recorders write them
BLOCK = 60.0  # seconds of looped empty scene per encoded block
# Empty blocks before each visit: visits land at irregular times, the last block runs past the hour.
GAPS = (4, 9, 10, 8, 11, 9)
ENCODE = [
    "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-bf", "0",
    "-crf", "23", "-maxrate", "4M", "-bufsize", "8M",
    "-g", "{gop}", "-keyint_min", "{gop}", "-sc_threshold", "0", "-an",
]  # fmt: skip
EVENT_REASONS = ("activity-start", "activity-peak", "settled")


def _run(cmd: list[str]) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *cmd], check=True)


# A recorder's clock (--clock): the camera's name, the date and the time, white with a dark outline, a
# twentieth of the height, top left. Each piece's clock starts at the piece's own start (the hour is made
# of copies of pieces): the seconds tick throughout, the minutes go back at the end of each piece.
CLOCK = (
    ",drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf:fontsize=h/20:x=h/40:y=h/40"
    ":fontcolor=white:borderw=2:bordercolor=black:text='CAM 03  %{pts\\:gmtime\\:1764921600}'"
)


def _encode(out: Path, start: float, seconds: float, fps: int, loops: int = 0, clock: bool = False) -> None:
    """`seconds` of the source from `start` (looped `loops` more times), as the recorder encodes it
    (with `clock`, drawn over it)."""
    scale = f"framerate=fps={fps}," if fps != 10 else ""
    loop = ["-stream_loop", str(loops)] if loops else []
    args = [a.format(gop=int(GOP * fps)) for a in ENCODE]
    # The source's own 6 s are cut first, so that a loop repeats exactly them.
    piece = out.with_suffix(".piece.mkv")
    _run(["-ss", f"{start}", "-t", f"{seconds}", "-i", str(SOURCE), "-c:v", "ffv1", str(piece)])
    vf = f"{scale}scale=1920:1080:flags=bicubic{CLOCK if clock else ''},format=yuv420p"
    _run(
        [
            *loop,
            "-i",
            str(piece),
            "-vf",
            vf,
            "-t",
            f"{seconds * (loops + 1)}",
            *args,
            "-f",
            "mpegts",
            str(out),
        ]
    )
    piece.unlink()


def hour_clip(fps: int, clock: bool = False) -> tuple[Path, list[tuple[float, float]]]:
    """The hour (made once) and the times of its visits."""
    folder = CACHE / f"longcamera_{fps}fps{'_clock' if clock else ''}"
    folder.mkdir(parents=True, exist_ok=True)
    block = folder / "empty.ts"
    if not block.exists():
        loops = int(BLOCK / (EMPTY[1] - EMPTY[0]))
        _encode(block, EMPTY[0], EMPTY[1] - EMPTY[0], fps, loops - 1, clock)
    pieces: list[Path] = []
    events: list[tuple[float, float]] = []
    at = 0.0
    for i, (gap, (start, end)) in enumerate(zip(GAPS, VISITS, strict=True)):
        pieces += [block] * gap
        at += gap * BLOCK
        cut = max(0.0, start - 1.0)
        length = GOP * -(-(end + 1.0 - cut) // GOP)  # whole keyframe intervals
        visit = folder / f"visit{i}.ts"
        if not visit.exists():
            _encode(visit, cut, length, fps, clock=clock)
        pieces.append(visit)
        events.append((round(at + start - cut, 3), round(at + end - cut, 3)))
        at += length
    while at < 3600.0:
        pieces.append(block)
        at += BLOCK
    hour = folder / "hour.mp4"
    if not hour.exists():
        _concat(pieces, hour)
    return hour, events


def day_clip(hour: Path) -> Path:
    day = hour.with_name("day.mp4")
    if not day.exists():
        _concat([hour] * 24, day)
    return day


def _concat(pieces: list[Path], out: Path) -> None:
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{p}'\n" for p in pieces))
    part = out.with_suffix(".part.mp4")
    _run(
        ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-movflags", "+faststart", str(part)]
    )
    part.rename(out)


def _measure(args: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float, float]:
    """Run a command; its stdout, wall seconds, CPU seconds (its own and its ffmpegs') and peak RSS in MB
    (of the largest process: vidscan's Python or one of its ffmpegs)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{args} failed")
    cpu = usage.ru_utime + usage.ru_stime
    return out, time.perf_counter() - start, cpu, usage.ru_maxrss / 1024


def child(mode: str, path: str) -> dict:
    """One selection (in the measured subprocess)."""
    from vidscan import media
    from vidscan.keyframes import KeyframeOptions, select_keyframes

    start = time.perf_counter()
    info = media.probe(path)
    selection = select_keyframes(info, KeyframeOptions(max_frames=0, iframes_first=mode == "iframes"))
    return {
        "wall": time.perf_counter() - start,
        "keyframes": [(k.time, k.reason) for k in selection.keyframes],
        "strategy": selection.strategy,
        "frames_decoded": selection.frames_decoded,
        "interval": selection.iframe_interval,
        # vidscan's own peak (the tree's peak is often an ffmpeg's: it holds an MP4's whole index)
        "own_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _select(mode: str, path: Path, pyav: bool = True) -> tuple[dict, float, float]:
    """vidscan's selection in a subprocess; `pyav` False: with VIDSCAN_PYAV=0 (ffmpeg decodes)."""
    env = {**os.environ, "VIDSCAN_PYAV": "1" if pyav else "0"}
    args = [sys.executable, "-m", "benchmarks.longcamera", "--child", mode, str(path)]
    out, _, cpu, rss = _measure(args, env)
    return json.loads(out), cpu, rss


# An event's keyframes may lie this much before and after its times: MANIFEST.md's times are ±1 s, and the
# settled state after a visit comes once nothing has moved for 1.5 s (KeyframeOptions.settle).
BEFORE, AFTER = 1.0, 3.0


def _found(result: dict, visits: list[tuple[float, float]]) -> tuple[list[int], int]:
    """Which events have a motion keyframe within them, and how many motion keyframes lie outside every
    event."""
    events = [(lo - BEFORE, hi + AFTER) for lo, hi in visits]
    motion = [t for t, reason in result["keyframes"] if reason in EVENT_REASONS]
    found = [i for i, (lo, hi) in enumerate(events) if any(lo <= t <= hi for t in motion)]
    outside = sum(1 for t in motion if not any(lo <= t <= hi for lo, hi in events))
    return found, outside


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fps", type=int, default=25, help="frames per second of the recording (25 or 10)")
    parser.add_argument("--day", action="store_true", help="also 24 hours, I-frames first (memory)")
    parser.add_argument("--day-only", action="store_true", help="24 hours only, I-frames first")
    parser.add_argument("--skip-full", action="store_true", help="no full pass (the slowest part)")
    parser.add_argument(
        "--without-pyav", action="store_true", help="also I-frames first decoded by ffmpeg (VIDSCAN_PYAV=0)"
    )
    parser.add_argument("--clock", action="store_true", help="a recorder's clock drawn over the picture")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    from vidscan import media

    hour, events = hour_clip(args.fps, args.clock)
    length = media.probe(str(hour)).duration  # a little over the hour: whole blocks
    spent = sum(hi - lo for lo, hi in events)
    print(f"{hour}: {length:.0f} s, {len(events)} visits, {spent:.0f} s ({spent / length:.1%}) at {events}")
    rows: list[tuple[str, float, float, float, dict | None, int]] = []
    results = {}
    if not args.day_only:
        decode_cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(hour), "-f", "null", "-"]
        _, decode, decode_cpu, decode_rss = _measure(decode_cmd)
        rows.append(("ffmpeg full decode, 1 h", decode, decode_cpu, decode_rss, None, 1))
        for mode in ("full", "iframes") if not args.skip_full else ("iframes",):
            result, cpu, rss = _select(mode, hour)
            results[mode] = result
            rows.append((f"vidscan {mode}, 1 h", result["wall"], cpu, rss, result, 1))
        if args.without_pyav:
            result, cpu, rss = _select("iframes", hour, pyav=False)
            results["iframes without PyAV"] = result
            rows.append(("vidscan iframes without PyAV, 1 h", result["wall"], cpu, rss, result, 1))
    if args.day or args.day_only:
        result, cpu, rss = _select("iframes", day_clip(hour))
        rows.append(("vidscan iframes, 24 h", result["wall"], cpu, rss, result, 24))
    print()
    print(
        "| run | wall s | wall ÷ ffmpeg decode | CPU s | CPU ÷ ffmpeg decode | peak RSS MB (vidscan's own) "
        "| visits found | motion keyframes outside visits | frames decoded | strategy |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    base = rows[0] if rows and rows[0][4] is None else None
    for name, wall, cpu, rss, result, hours in rows:
        walls = f"{wall / (base[1] * hours):.3f}" if base else "-"
        cpus = f"{cpu / (base[2] * hours):.3f}" if base else "-"
        if result is None:
            print(f"| {name} | {wall:.1f} | 1.000 | {cpu:.1f} | 1.000 | {rss:.0f} | | | | |")
            continue
        visits = [(lo + h * length, hi + h * length) for h in range(hours) for lo, hi in events]
        found, outside = _found(result, visits)
        print(
            f"| {name} | {wall:.1f} | {walls} | {cpu:.1f} | {cpus} | {rss:.0f} ({result['own_rss_mb']:.0f}) "
            f"| {len(found)}/{len(visits)} "
            f"| {outside} | {result['frames_decoded']} | {result['strategy']} |"
        )
    if "full" in results and "iframes" in results:
        full, _ = _found(results["full"], events)
        fast, _ = _found(results["iframes"], events)
        print(f"\nvisits found by the full pass and not by I-frames first: {sorted(set(full) - set(fast))}")
        print(f"visits found by I-frames first and not by the full pass: {sorted(set(fast) - set(full))}")
    for mode, result in results.items():
        print(f"{mode}: {[(round(t, 1), r) for t, r in result['keyframes'] if r in EVENT_REASONS]}")


if __name__ == "__main__":
    main()
