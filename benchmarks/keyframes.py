"""Keyframe benchmark: what vidscan's keyframe selection finds on the shared corpus, per clip and per kind
(shots, screens, events), next to PySceneDetect's ContentDetector, DVR-Scan and ffmpeg's own decode.

    python -m benchmarks.keyframes                  # every labelled clip of ../shared/videos/units.json
    python -m benchmarks.keyframes --clips bikes,thefuck_example --no-peers
    python -m benchmarks.keyframes --all            # also the unlabelled real clips and the synthetic ones
    python -m benchmarks.keyframes --quick          # no wall times (no reference decode, no peers): fast
    python -m benchmarks.keyframes --quick --variant half  # each clip encoded otherwise (clips.VARIANTS)

Columns (every figure counts keyframes as the report shows them, duplicates included):
- found: units with at least one keyframe inside [start, end] (units.json);
- keyframes, and model calls = keyframes not marked as a repeat of an earlier one;
- redundancy: keyframes per unit (events: per event);
- useless: keyframes whose picture is flat (FLAT_STD below) or that lie in a stretch units.json marks
  useless; the picture is the full frame vidscan would send, grabbed as the caption stage grabs it;
- wall ÷ decode: the selection's wall time (probe included, imports not) over `ffmpeg -i FILE -f null -`
  of the same file in the same run; peak RSS of the selection's subprocess.
Peers: PySceneDetect's `detect(path, ContentDetector())` with a keyframe in the middle of each scene;
DVR-Scan (its defaults, `-so`) with keyframes at the start, middle and end of each motion event, on the
events clips, when a `dvr-scan` command is found ($VIDSCAN_DVR_SCAN or PATH: it needs opencv-python, so
install it in a venv of its own, `python -m venv /tmp/dvr && /tmp/dvr/bin/pip install dvr-scan`).

Every measured run is a subprocess, so wall time and peak RSS (os.wait4) are its own. Prints figures;
never passes or fails on them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks.clips import ALL, LABELLED, VARIANTS, Clip, Units, variant

# A picture whose grey levels (BT.601 luma of the full frame as sent) have a standard deviation under
# this shows one colour up to noise and compression: black, a flat grey, a blank card.
FLAT_STD = 10.0
KINDS = ("shots", "screens", "events")


@dataclass(frozen=True)
class Run:
    times: list[float]  # keyframe (or scene-middle) times
    calls: int  # keyframes that need a model call (not marked as a duplicate of an earlier one)
    wall: float
    rss_mb: float
    flat: list[float]  # times of keyframes whose picture is flat
    strategy: str = ""


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
    return _run_of(json.loads(out), rss)


def _run_of(result: dict, rss: float = 0.0) -> Run:
    times = result["times"]
    return Run(
        times,
        result.get("calls", len(times)),
        result["wall"],
        rss,
        result.get("flat", []),
        result.get("strategy", ""),
    )


def ffmpeg_decode(path: Path) -> float:
    return _measure(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-f", "null", "-"])[1]


def flat_picture(image: object) -> bool:
    """Whether a picture (PIL) is flat: see FLAT_STD."""
    import numpy as np

    grey = image.convert("L")  # type: ignore[attr-defined]
    return float(np.asarray(grey, np.float32).std()) < FLAT_STD


def select(kind: str, path: str) -> dict:
    """Keyframes (or scenes) of one clip, their wall time (imports excluded, probe included), and which
    pictures are flat."""
    from vidscan import media

    if kind in ("vidscan", "vidscan-iframes"):
        from vidscan.keyframes import KeyframeOptions, select_keyframes

        start = time.perf_counter()
        # No frame budget: the benchmark measures what the detectors find.
        options = KeyframeOptions(max_frames=0)
        if kind == "vidscan-iframes":
            options = KeyframeOptions(max_frames=0, strategy="scenes", iframes_first=True)
        info = media.probe(path)
        selection = select_keyframes(info, options)
        wall = time.perf_counter() - start
        keyframes = selection.keyframes
        times = [k.time for k in keyframes]
        calls = sum(k.duplicate_of is None for k in keyframes)
        flat = [k.time for k in keyframes if flat_picture(media.grab_frame(info, k.shown_frame).image)]
        return {"times": times, "calls": calls, "wall": wall, "flat": flat, "strategy": selection.strategy}
    if kind == "dvr-scan":
        start = time.perf_counter()
        times = dvr_scan_keyframes(path)
        return {"times": times, "calls": len(times), "wall": time.perf_counter() - start, "flat": []}
    from scenedetect import ContentDetector, detect

    start = time.perf_counter()
    scenes = detect(path, ContentDetector())
    times = [(a.get_seconds() + b.get_seconds()) / 2 for a, b in scenes] or [0.0]
    return {"times": times, "calls": len(times), "wall": time.perf_counter() - start, "flat": []}


def dvr_scan_command() -> str | None:
    return os.environ.get("VIDSCAN_DVR_SCAN") or shutil.which("dvr-scan")


_TIMECODE = re.compile(r"(\d+):(\d+):(\d+(?:\.\d+)?)")


def dvr_scan_keyframes(path: str) -> list[float]:
    """DVR-Scan's motion events (its defaults), as keyframes at each event's start, middle and end."""
    command = dvr_scan_command()
    assert command is not None
    out = subprocess.run(
        [command, "-i", path, "-so", "-q", "--ignore-user-config"], capture_output=True, text=True, check=True
    ).stdout
    seconds = [int(h) * 3600 + int(m) * 60 + float(s) for h, m, s in _TIMECODE.findall(out)]
    events = list(zip(seconds[::2], seconds[1::2], strict=False))
    return sorted(t for a, b in events for t in (a, (a + b) / 2, b))


def found(units: Units, times: list[float]) -> int:
    return sum(any(lo <= t <= hi for t in times) for lo, hi in units)


def useless_picks(clip: Clip, run: Run) -> list[float]:
    inside = [t for t in run.times if any(lo <= t <= hi for lo, hi in clip.useless)]
    return sorted(set(inside) | set(run.flat))


@dataclass
class Row:
    clip: Clip
    ours: Run
    psd: Run | None = None
    dvr: Run | None = None
    decode: float | None = None


def _peer(clip: Clip, run: Run | None) -> str:
    if run is None:
        return "-"
    units = len(clip.units)
    return f"{found(clip.units, run.times)}/{units} {len(run.times)} kf" if units else f"{len(run.times)} kf"


def _fmt_row(r: Row) -> str:
    clip, ours = r.clip, r.ours
    units = len(clip.units)
    kfs = len(ours.times)
    quality = f"{kfs / units:.2f}" if units else "-"
    timing = "- | - | -"
    if r.decode is not None:
        timing = f"{ours.wall:.1f} | {ours.wall / r.decode:.2f} | {ours.rss_mb:.0f}"
    cells = [
        clip.name + (" (negative)" if clip.negative else ""),
        clip.kind,
        f"{found(clip.units, ours.times)}/{units}" if units else "-",
        str(kfs),
        str(ours.calls),
        quality,
        " ".join(f"{t:.1f}" for t in useless_picks(clip, ours)) or "0",
        timing,
        _peer(clip, r.psd),
        _peer(clip, r.dvr),
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| clip | kind | found | keyframes | model calls | redundancy | useless picks (s) | wall s | ÷ decode "
    "| peak RSS MB | PySceneDetect | DVR-Scan |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def totals(rows: list[Row]) -> str:
    """Per kind: units found (recall), keyframes per unit, useless picks; the same for the peers."""
    lines = [
        "| kind | clips | units | found | recall | keyframes | redundancy | model calls | useless picks "
        "| PySceneDetect found | DVR-Scan found |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in (*KINDS, "all"):
        chosen = [r for r in rows if r.clip.units and (kind == "all" or r.clip.kind == kind)]
        if not chosen:
            continue
        units = sum(len(r.clip.units) for r in chosen)
        hits = sum(found(r.clip.units, r.ours.times) for r in chosen)
        kfs = sum(len(r.ours.times) for r in chosen)
        calls = sum(r.ours.calls for r in chosen)
        useless = sum(len(useless_picks(r.clip, r.ours)) for r in chosen)
        peers = []
        for attr in ("psd", "dvr"):
            measured = [r for r in chosen if getattr(r, attr) is not None]
            peer_units = sum(len(r.clip.units) for r in measured)
            peer_hits = sum(found(r.clip.units, getattr(r, attr).times) for r in measured)
            peers.append(f"{peer_hits}/{peer_units} = {peer_hits / peer_units:.2f}" if peer_units else "-")
        lines.append(
            f"| {kind} | {len(chosen)} | {units} | {hits} | {hits / units:.2f} | {kfs} | {kfs / units:.2f} "
            f"| {calls} | {useless} | {peers[0]} | {peers[1]} |"
        )
    negatives = [r for r in rows if r.clip.negative]
    flat_only = [r for r in rows if r.clip.every_picture_flat]
    notes = [f"{r.clip.name}: {len(r.ours.times)} keyframe(s) (right: 1)" for r in negatives]
    notes += [
        f"{r.clip.name}: {len(r.ours.times)} keyframe(s) (right: 0, every picture is flat)" for r in flat_only
    ]
    return "\n".join(lines) + ("\n\n" + "; ".join(notes) if notes else "")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", help="comma-separated clip names (default: every labelled clip)")
    parser.add_argument("--all", action="store_true", help="also unlabelled real clips and synthetic ones")
    parser.add_argument("--quick", action="store_true", help="keyframes only, two clips at a time, no timing")
    parser.add_argument("--no-peers", action="store_true", help="skip PySceneDetect and DVR-Scan")
    parser.add_argument("--iframes-first", action="store_true", help="vidscan with --iframes-first")
    parser.add_argument("--variant", choices=sorted(VARIANTS), help="each clip encoded this way (same units)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(select(*args.child)))
        return
    pool = ALL if args.all or args.clips else LABELLED
    wanted = args.clips.split(",") if args.clips else None
    clips = [c for c in pool if wanted is None or c.name in wanted]
    clips = list({c.name: c for c in clips}.values())
    if args.variant:
        clips = [variant(c, args.variant) for c in clips if c.path().exists()]
    missing = [c.name for c in clips if not c.path().exists()]
    clips = [c for c in clips if c.name not in missing]
    print(HEADER, flush=True)
    rows: list[Row] = []
    kind = "vidscan-iframes" if args.iframes_first else "vidscan"
    if args.quick:
        with ProcessPoolExecutor(2) as workers:
            for clip, result in zip(
                clips, workers.map(partial(select, kind), [str(c.path()) for c in clips]), strict=True
            ):
                row = Row(clip, _run_of(result))
                rows.append(row)
                print(_fmt_row(row), flush=True)
    else:
        dvr = dvr_scan_command() if not args.no_peers else None
        for clip in clips:
            path = clip.path()
            decode = ffmpeg_decode(path)
            ours = _child(kind, path)
            row = Row(clip, ours, decode=decode)
            # PySceneDetect on the 2-hour clip would take longer than the rest of the benchmark together.
            if not args.no_peers and not clip.name.startswith("syn_2h"):
                row.psd = _child("pyscenedetect", path)
            if dvr and clip.kind == "events":
                row.dvr = _child("dvr-scan", path)
            rows.append(row)
            print(_fmt_row(row), flush=True)
    for name in missing:
        print(f"| {name} | missing |", flush=True)
    print()
    print(totals(rows))
    missed = [
        f"{r.clip.name} {lo:.1f}-{hi:.1f}"
        for r in rows
        for lo, hi in r.clip.units
        if not any(lo <= t <= hi for t in r.ours.times)
    ]
    if missed:
        print("\nunits missed: " + ", ".join(missed))
    strategies = {r.clip.name: r.ours.strategy for r in rows}
    print("\nstrategies: " + ", ".join(f"{k}: {v}" for k, v in strategies.items()))


if __name__ == "__main__":
    main()
