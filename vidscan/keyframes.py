"""Keyframe selection: one low-resolution decode pass, shot detection, one sharp settled frame per segment.

The pass keeps a few numbers per frame (time, sharpness, change, brightness, perceptual hash), never the
frames themselves, so memory stays flat in video length; full-resolution frames are grabbed later, only
for the chosen times.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np
from scenedetect.common import FrameTimecode
from scenedetect.detectors import AdaptiveDetector, ThresholdDetector

from . import media
from .types import Keyframe, KeyframeSelection, VideoInfo

_BLACK = 16.0  # mean brightness (0-255) under which a frame counts as black

ProgressFn = Callable[[int, float], None]  # (frames decoded so far, time reached in seconds)


@dataclass(frozen=True)
class KeyframeOptions:
    max_frames: int = 120  # budget of keyframes sent to the model
    min_coverage: float = 60.0  # no stretch longer than this without a keyframe (0 = off)
    analysis_size: int = 320  # long side of the frames the detectors see
    adaptive_threshold: float = 3.0  # PySceneDetect AdaptiveDetector
    min_content: float = 15.0  # PySceneDetect AdaptiveDetector min_content_val
    fade_threshold: float = 12.0  # mean brightness under which a frame counts as black (fades)
    min_shot: float = 0.4  # seconds; shorter shots are merged into their neighbour
    dedup_distance: int = 6  # perceptual-hash bits that may differ for two frames to count as the same


@dataclass
class _FrameStats:
    """Per-frame measurements, kept as parallel lists (a few numbers a frame)."""

    times: list[float]
    sharpness: list[float]
    change: list[float]  # mean absolute difference from the previous frame, 0..1
    brightness: list[float]
    hashes: list[int]
    colours: list[tuple[float, float, float]]  # mean BGR: flat frames of different colours hash alike


def _phash(gray: np.ndarray) -> int:
    """64-bit perceptual hash: signs of the low-frequency DCT coefficients around their median."""
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int(sum(1 << i for i, bit in enumerate(bits) if bit))


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def looks_same(a: Keyframe, b: Keyframe, distance: int) -> bool:
    """Same picture: perceptual hashes close and mean colours close."""
    colour_gap = max(abs(x - y) for x, y in zip(a.colour, b.colour, strict=True))
    return hamming(a.phash, b.phash) <= distance and colour_gap < 12.0


def _analyse(
    info: VideoInfo, options: KeyframeOptions, progress: ProgressFn | None
) -> tuple[_FrameStats, list[float], list[float]]:
    """Decode once; return per-frame stats, content cuts and fade cuts (in seconds)."""
    fps = info.fps if info.fps > 0 else 25.0
    min_len = max(1, int(round(options.min_shot * fps)))
    cut_detector = AdaptiveDetector(
        adaptive_threshold=options.adaptive_threshold,
        min_scene_len=min_len,
        min_content_val=options.min_content,
    )
    fade_detector = ThresholdDetector(threshold=options.fade_threshold, min_scene_len=min_len)
    stats = _FrameStats([], [], [], [], [], [])
    content_cuts: list[FrameTimecode] = []
    fade_cuts: list[FrameTimecode] = []
    previous: np.ndarray | None = None
    timecode = FrameTimecode(0, fps)
    for frame in media.decode_small(info, options.analysis_size):
        timecode = FrameTimecode(frame.number, fps)
        content_cuts += cut_detector.process_frame(timecode, frame.image)
        fade_cuts += fade_detector.process_frame(timecode, frame.image)
        gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        stats.times.append(frame.time)
        stats.sharpness.append(float(cv2.Laplacian(gray, cv2.CV_32F).var()))
        stats.brightness.append(float(gray.mean()))
        stats.change.append(0.0 if previous is None else float(cv2.absdiff(gray, previous).mean()) / 255.0)
        stats.hashes.append(_phash(gray))
        b, g, r = (float(v) for v in frame.image.reshape(-1, 3).mean(axis=0))
        stats.colours.append((b, g, r))
        previous = gray
        if progress and frame.number % 10 == 0:
            progress(frame.number + 1, frame.time)
    content_cuts += cut_detector.post_process(timecode)
    fade_cuts += fade_detector.post_process(timecode)
    if progress:
        progress(len(stats.times), stats.times[-1] if stats.times else 0.0)

    # Detectors count frames; map frame numbers back to real timestamps.
    def to_time(tc: FrameTimecode) -> float:
        return stats.times[min(tc.frame_num, len(stats.times) - 1)]

    return stats, [to_time(c) for c in content_cuts], [to_time(c) for c in fade_cuts]


def _merge_cuts(content: list[float], fades: list[float], min_gap: float) -> list[tuple[float, str]]:
    """Cuts in time order, each tagged with its kind; a fade within min_gap of a cut is the same boundary."""
    tagged = sorted([(t, "cut") for t in content] + [(t, "fade") for t in fades])
    merged: list[tuple[float, str]] = []
    for time, kind in tagged:
        if time <= 0:
            continue
        if merged and time - merged[-1][0] < min_gap:
            continue
        merged.append((time, kind))
    return merged


def _pick_frame(stats: _FrameStats, lo: int, hi: int) -> int:
    """The index of a sharp, settled, non-black frame in the middle half of frames [lo, hi)."""
    n = hi - lo
    if n <= 2:
        return lo + n // 2
    start, stop = lo + n // 4, max(lo + n // 4 + 1, lo + (3 * n) // 4)
    idx = np.arange(start, stop)
    sharp = np.array(stats.sharpness[start:stop])
    change = np.array(stats.change[start:stop])
    bright = np.array(stats.brightness[start:stop])
    sharp_score = sharp / (sharp.max() + 1e-6)
    settled_score = 1.0 - change / (change.max() + 1e-6)
    # Prefer frames near the middle a little, so ties do not drift to the edges.
    centre = 1.0 - 0.2 * np.abs(idx - (lo + hi) / 2) / n
    score = (0.5 * sharp_score + 0.5 * settled_score) * centre
    score[bright < _BLACK] -= 10.0  # never a black frame inside a fade when anything else is there
    return int(idx[int(np.argmax(score))])


def _segments(
    stats: _FrameStats, cuts: list[tuple[float, str]], duration: float, min_coverage: float
) -> list[tuple[int, int, str]]:
    """Frame ranges [lo, hi) with the reason each starts; long ones are split for coverage."""
    times = np.array(stats.times)
    bounds = [(0, "start")] + [(int(np.searchsorted(times, t)), kind) for t, kind in cuts]
    bounds = [b for i, b in enumerate(bounds) if i == 0 or b[0] > bounds[i - 1][0]]
    ranges: list[tuple[int, int, str]] = []
    for i, (lo, kind) in enumerate(bounds):
        hi = bounds[i + 1][0] if i + 1 < len(bounds) else len(times)
        if hi <= lo:
            continue
        seg_start = times[lo]
        seg_end = times[hi] if hi < len(times) else max(duration, times[-1])
        pieces = 1
        if min_coverage > 0:
            pieces = max(1, math.ceil((seg_end - seg_start) / min_coverage))
        for p in range(pieces):
            p_lo = int(np.searchsorted(times, seg_start + (seg_end - seg_start) * p / pieces))
            p_hi = int(np.searchsorted(times, seg_start + (seg_end - seg_start) * (p + 1) / pieces))
            p_lo, p_hi = max(lo, p_lo), min(hi, max(p_hi, p_lo + 1))
            if p_hi > p_lo:
                ranges.append((p_lo, p_hi, kind if p == 0 else "coverage"))
    return ranges


def _drop_repeats(keyframes: list[Keyframe], distance: int) -> list[Keyframe]:
    """Merge a keyframe into the previous one when they look the same (A-A); mark A-B-A revisits."""
    kept: list[Keyframe] = []
    for kf in keyframes:
        # Coverage frames stay (they are the floor), even when the view has not changed.
        if kept and kf.reason != "coverage" and looks_same(kf, kept[-1], distance):
            prev = kept[-1]
            kept[-1] = replace(prev, segment=(prev.segment[0], kf.segment[1]))
            continue
        kept.append(kf)
    marked: list[Keyframe] = []
    for kf in kept:
        twin = next((m for m in marked if m.duplicate_of is None and looks_same(kf, m, distance)), None)
        marked.append(replace(kf, duplicate_of=twin.index if twin else None))
    return marked


def apply_budget(keyframes: list[Keyframe], budget: int, duration: float) -> list[Keyframe]:
    """Keep at most `budget` keyframes spread evenly over the video: the longest segment in each of
    `budget` equal time bins first, then the longest remaining segments. Time order is kept."""
    if budget <= 0 or len(keyframes) <= budget:
        return keyframes
    span = max(duration, keyframes[-1].time + 1e-3)
    chosen: set[int] = set()
    for b in range(budget):
        lo, hi = span * b / budget, span * (b + 1) / budget
        in_bin = [i for i, kf in enumerate(keyframes) if lo <= kf.time < hi and i not in chosen]
        if in_bin:
            chosen.add(max(in_bin, key=lambda i: keyframes[i].segment[1] - keyframes[i].segment[0]))
    rest = sorted(
        (i for i in range(len(keyframes)) if i not in chosen),
        key=lambda i: keyframes[i].segment[0] - keyframes[i].segment[1],
    )
    chosen.update(rest[: budget - len(chosen)])
    return [keyframes[i] for i in sorted(chosen)]


def _activity_curve(stats: _FrameStats, points: int = 600) -> tuple[tuple[float, float], ...]:
    """The change measure, downsampled to at most `points` (time, 0..1) pairs by taking bin maxima."""
    if not stats.times:
        return ()
    change = np.array(stats.change)
    peak = float(change.max()) or 1.0
    bins = np.array_split(np.arange(len(change)), min(points, len(change)))
    return tuple(
        (round(stats.times[int(b[0])], 3), round(float(change[b].max()) / peak, 4)) for b in bins if len(b)
    )


def select_keyframes(
    info: VideoInfo, options: KeyframeOptions | None = None, progress: ProgressFn | None = None
) -> KeyframeSelection:
    """Choose the frames that stand for the video: one per shot (and per `min_coverage` seconds)."""
    options = options or KeyframeOptions()
    stats, content_cuts, fade_cuts = _analyse(info, options, progress)
    duration = max(info.duration, stats.times[-1] + (1.0 / info.fps if info.fps else 0.0))
    cuts = _merge_cuts(content_cuts, fade_cuts, options.min_shot)
    raw: list[Keyframe] = []
    segments = _segments(stats, cuts, duration, options.min_coverage)
    lit = [seg for seg in segments if max(stats.brightness[seg[0] : seg[1]]) >= _BLACK]
    for lo, hi, reason in lit or segments:  # an all-black stretch (between fades) shows nothing
        at = _pick_frame(stats, lo, hi)
        end = stats.times[hi] if hi < len(stats.times) else duration
        raw.append(
            Keyframe(
                index=0,
                time=round(stats.times[at], 6),
                reason=reason,
                segment=(round(stats.times[lo], 3), round(end, 3)),
                sharpness=round(stats.sharpness[at], 2),
                phash=stats.hashes[at],
                colour=stats.colours[at],
            )
        )
    deduped = _drop_repeats(_renumber(raw), options.dedup_distance)
    budgeted = apply_budget(deduped, options.max_frames, duration)
    final = _renumber(budgeted)
    return KeyframeSelection(
        video=info if info.duration else _with_duration(info, duration),
        keyframes=tuple(final),
        strategy="scenes",
        frames_decoded=len(stats.times),
        cuts=tuple(round(t, 3) for t, _ in cuts),
        activity=_activity_curve(stats),
    )


def _renumber(keyframes: list[Keyframe]) -> list[Keyframe]:
    """Indices 0..n-1 in time order; duplicate_of links follow their targets (or go if the target went)."""
    new_index = {kf.index: i for i, kf in enumerate(keyframes)}
    out = []
    for i, kf in enumerate(keyframes):
        dup = new_index.get(kf.duplicate_of) if kf.duplicate_of is not None else None
        out.append(replace(kf, index=i, duplicate_of=dup))
    return out


def _with_duration(info: VideoInfo, duration: float) -> VideoInfo:
    return replace(info, duration=round(duration, 3))
