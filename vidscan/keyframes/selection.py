"""One decode pass feeding every detector; candidates → one sharp, settled frame each; dedup; budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .. import media
from ..types import Keyframe, KeyframeSelection, VideoInfo
from .frames import BLACK, Candidate, FrameStats, FrameView, hamming
from .interval import even_candidates, with_coverage
from .motion import MotionDetector
from .options import STRATEGIES, KeyframeOptions
from .scenes import SceneDetector
from .text import TextDetector

ProgressFn = Callable[[int, float], None]  # (frames decoded so far, time reached in seconds)

_UNCHANGED = 0.05 / 255  # mean pixel change under which two frames are the same picture

_ALWAYS_KEPT = ("coverage", "heartbeat", "cut", "fade")

# Which candidate stands when two fall within min_gap of each other.
_PRIORITY = {
    "start": 6,
    "cut": 5,
    "fade": 5,
    "text-change": 4,
    "settled": 4,
    "activity-start": 3,
    "activity-peak": 2,
    "heartbeat": 1,
    "coverage": 0,
}


class _Pass:
    """The detectors a strategy needs, fed from one decode."""

    def __init__(self, info: VideoInfo, options: KeyframeOptions) -> None:
        fps = info.fps if info.fps > 0 else 25.0
        self.stats = FrameStats()
        self.scenes = SceneDetector(options, fps, self.stats)
        wants = {"auto": ("motion", "text"), "motion": ("motion",), "text": ("text",)}.get(
            options.strategy, ()
        )
        self.motion = MotionDetector(options, fps) if "motion" in wants else None
        self.text = TextDetector(options, fps) if "text" in wants else None
        self.decode_side = options.text_size if self.text else options.analysis_size

    def run(self, info: VideoInfo, options: KeyframeOptions, progress: ProgressFn | None) -> None:
        detectors = [d for d in (self.scenes, self.motion, self.text) if d is not None]
        for decoded in media.decode_small(info, self.decode_side):
            frame = FrameView(decoded.number, decoded.time, decoded.image, options.analysis_size)
            self.stats.add(frame)
            for detector in detectors:
                detector.process(frame)
            if progress and decoded.number % 10 == 0:
                progress(decoded.number + 1, decoded.time)
        if progress:
            progress(len(self.stats), self.stats.times[-1] if len(self.stats) else 0.0)


def _auto(
    p: _Pass, shots: list[Candidate], options: KeyframeOptions, end: float
) -> tuple[list[Candidate], str]:
    """Per shot: a screen gets text-change keyframes; a long shot of a fixed camera (in a video that is not
    edited, and rarely a global change) gets motion keyframes; anything else one keyframe for the shot."""
    assert p.motion is not None and p.text is not None
    activity = np.frombuffer(p.motion.activity, np.float32)
    # Screens are still most of the time (no pixel changes at all between frames); cameras never are.
    unchanged = np.frombuffer(p.stats.change, np.float32) < _UNCHANGED
    motion, text = p.motion.finish(), p.text.finish()
    # Edited footage (regular cuts) has still shots with things moving in them; a fixed camera has no cuts.
    edited = len(p.scenes.cuts) > options.edited_cuts * max(end, 1.0) / 60.0
    used = {"scenes"}
    out = list(shots)
    for i, shot in enumerate(shots):
        stop = shots[i + 1].start if i + 1 < len(shots) else end
        lo, hi = p.stats.index_at(shot.start), max(p.stats.index_at(stop), p.stats.index_at(shot.start) + 1)
        inside = [c for c in (text if unchanged[lo:hi].mean() >= 0.5 else []) if shot.start < c.start < stop]
        if inside:
            used.add("text")
        elif (
            not edited
            and stop - shot.start >= options.fixed_camera_min
            and (activity[lo:hi] >= 1).mean() < 0.05
        ):
            inside = [c for c in motion if shot.start < c.start < stop]
            used.add("motion")
        out += inside
    return sorted(out, key=lambda c: c.start), "auto:" + "+".join(sorted(used))


def _merge(candidates: list[Candidate], min_gap: float) -> list[Candidate]:
    """Candidates in time order, at most one per `min_gap` seconds (the one with the strongest reason)."""
    kept: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: c.start):
        if kept and cand.start - kept[-1].start < min_gap:
            if _PRIORITY[cand.reason] > _PRIORITY[kept[-1].reason]:
                kept[-1] = replace(cand, start=kept[-1].start)
            continue
        kept.append(cand)
    return kept


def _pick(stats: FrameStats, lo: int, hi: int) -> int:
    """The sharpest, most settled, non-black frame in [lo, hi), favouring the middle on ties."""
    if hi - lo <= 2:
        return lo + (hi - lo) // 2
    idx = np.arange(lo, hi)
    sharp = np.frombuffer(stats.sharpness, np.float32)[lo:hi]
    change = np.frombuffer(stats.change, np.float32)[lo:hi].copy()
    if lo == 0:  # the first frame has nothing to differ from: that does not make it settled
        change[0] = change.max()
    bright = np.frombuffer(stats.brightness, np.float32)[lo:hi]
    score = 0.5 * sharp / (sharp.max() + 1e-6) + 0.5 * (1.0 - change / (change.max() + 1e-6))
    score = score * (1.0 - 0.2 * np.abs(idx - (lo + hi) / 2) / (hi - lo))
    score[bright < BLACK] -= 10.0  # never a black frame inside a fade when anything else is there
    return int(idx[int(np.argmax(score))])


def _keyframes(stats: FrameStats, candidates: list[Candidate], end: float) -> list[Keyframe]:
    """One keyframe per candidate, chosen inside its own stretch; all-black stretches give none."""
    bright = np.frombuffer(stats.brightness, np.float32)
    chosen: list[tuple[Candidate, int]] = []
    for i, cand in enumerate(candidates):
        stop = candidates[i + 1].start if i + 1 < len(candidates) else end + 1e-3
        own_lo, own_hi = stats.index_at(cand.start), stats.index_at(stop)
        lo = max(own_lo, stats.index_at(cand.pick[0]))
        hi = min(own_hi, stats.index_at(cand.pick[1]))
        if hi <= lo:  # the pick range fell outside its own stretch: take from the stretch
            lo, hi = own_lo, own_hi
        lo, hi = min(lo, len(stats) - 1), min(max(hi, lo + 1), len(stats))
        if bright[own_lo : max(own_hi, own_lo + 1)].max() < BLACK and len(candidates) > 1:
            continue  # an all-black stretch (between fades) shows nothing
        chosen.append((cand, _pick(stats, lo, hi)))
    out = []
    for i, (cand, at) in enumerate(chosen):
        stop = chosen[i + 1][0].start if i + 1 < len(chosen) else end
        reason = cand.reason if i or cand.reason != "coverage" else "start"
        out.append(
            Keyframe(
                index=i,
                time=round(stats.times[at], 6),
                reason=reason,
                segment=(round(cand.start if i else 0.0, 3), round(stop, 3)),
                sharpness=round(float(stats.sharpness[at]), 2),
                phash=int(stats.hashes[at]),
                colour=stats.colour(at),
                score=cand.importance,
            )
        )
    return out


def looks_same(a: Keyframe, b: Keyframe, distance: int) -> bool:
    """Same picture: perceptual hashes close and mean colours close."""
    colour_gap = max(abs(x - y) for x, y in zip(a.colour, b.colour, strict=True))
    return hamming(a.phash, b.phash) <= distance and colour_gap < 12.0


def _drop_repeats(keyframes: list[Keyframe], distance: int) -> list[Keyframe]:
    """Merge a keyframe into the previous one when they look the same (A-A); mark A-B-A revisits."""
    kept: list[Keyframe] = []
    for kf in keyframes:
        # Coverage and heartbeat frames stay (they are the floor), and so do shots: a cut or a fade between
        # two alike pictures is still a boundary. Those become duplicates below: no model call.
        if kept and kf.reason not in _ALWAYS_KEPT and looks_same(kf, kept[-1], distance):
            prev = kept[-1]
            kept[-1] = replace(
                prev, segment=(prev.segment[0], kf.segment[1]), score=max(prev.score, kf.score)
            )
            continue
        kept.append(kf)
    marked: list[Keyframe] = []
    for kf in kept:
        twin = next((m for m in marked if m.duplicate_of is None and looks_same(kf, m, distance)), None)
        marked.append(replace(kf, duplicate_of=twin.index if twin else None))
    return marked


def apply_budget(keyframes: list[Keyframe], budget: int, duration: float) -> list[Keyframe]:
    """Keep at most `budget` keyframes spread over the video: in each of `budget` equal time bins the most
    important (then the longest segment), then the most important of the rest. Time order is kept."""
    if budget <= 0 or len(keyframes) <= budget:
        return keyframes

    def worth(i: int) -> tuple[float, float]:
        return (keyframes[i].score, keyframes[i].segment[1] - keyframes[i].segment[0])

    span = max(duration, keyframes[-1].time + 1e-3)
    chosen: set[int] = set()
    for b in range(budget):
        lo, hi = span * b / budget, span * (b + 1) / budget
        in_bin = [i for i, kf in enumerate(keyframes) if lo <= kf.time < hi and i not in chosen]
        if in_bin:
            chosen.add(max(in_bin, key=worth))
    rest = sorted((i for i in range(len(keyframes)) if i not in chosen), key=worth, reverse=True)
    chosen.update(rest[: budget - len(chosen)])
    return [keyframes[i] for i in sorted(chosen)]


def _activity_curve(
    values: np.ndarray, times: np.ndarray, points: int = 600
) -> tuple[tuple[float, float], ...]:
    """Per-frame activity, downsampled to at most `points` (time, 0..1) pairs by taking bin maxima."""
    if not len(values):
        return ()
    peak = float(values.max()) or 1.0
    bins = np.array_split(np.arange(len(values)), min(points, len(values)))
    return tuple(
        (round(float(times[b[0]]), 3), round(float(values[b].max()) / peak, 4)) for b in bins if len(b)
    )


def _renumber(keyframes: list[Keyframe]) -> list[Keyframe]:
    """Indices 0..n-1 in time order; duplicate_of links follow their targets (or go if the target went)."""
    new_index = {kf.index: i for i, kf in enumerate(keyframes)}
    out = []
    for i, kf in enumerate(keyframes):
        dup = new_index.get(kf.duplicate_of) if kf.duplicate_of is not None else None
        out.append(replace(kf, index=i, duplicate_of=dup))
    return out


def select_keyframes(
    info: VideoInfo, options: KeyframeOptions | None = None, progress: ProgressFn | None = None
) -> KeyframeSelection:
    """Choose the frames that stand for the video, with the strategy `options.strategy` names."""
    options = options or KeyframeOptions()
    if options.strategy not in STRATEGIES:
        raise ValueError(f"unknown keyframe strategy {options.strategy!r}; one of {', '.join(STRATEGIES)}")
    p = _Pass(info, options)
    p.run(info, options, progress)
    stats = p.stats
    times = np.frombuffer(stats.times, np.float64)
    duration = max(info.duration, float(times[-1]) + (1.0 / info.fps if info.fps else 0.0))
    shots = p.scenes.finish()
    strategy = options.strategy
    if strategy == "auto":
        candidates, strategy = _auto(p, shots, options, duration)
    elif strategy == "motion" and p.motion is not None:
        candidates = [*shots, *p.motion.finish()]  # a cut is a boundary whatever the footage
    elif strategy == "text" and p.text is not None:
        candidates = [*shots, *p.text.finish()]
    elif strategy == "interval":
        candidates = even_candidates(0.0, duration, options.interval)
    else:
        candidates = shots
    candidates = with_coverage(_merge(candidates, options.min_gap), duration, options.min_coverage)
    raw = _keyframes(stats, candidates, duration)
    final = _renumber(apply_budget(_drop_repeats(raw, options.dedup_distance), options.max_frames, duration))
    activity = (
        np.frombuffer(p.motion.activity, np.float32) if p.motion else np.frombuffer(stats.change, np.float32)
    )
    return KeyframeSelection(
        video=info if info.duration else replace(info, duration=round(duration, 3)),
        keyframes=tuple(final),
        strategy=strategy,
        frames_decoded=len(stats),
        cuts=tuple(round(t, 3) for t, _ in p.scenes.cuts),
        activity=_activity_curve(activity, times),
    )
