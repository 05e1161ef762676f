"""One decode pass feeding every detector; the plan (plan.py) turns their candidates into keyframes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .. import media
from ..types import Keyframe, KeyframeSelection, VideoInfo
from .early import EarlyKeyframes, StableFn
from .frames import Candidate, FrameStats, FrameView
from .motion import MotionDetector
from .options import STRATEGIES, KeyframeOptions
from .plan import apply_budget, choose, drop_repeats, keyframes_of, plan_candidates
from .scenes import SceneDetector
from .text import TextDetector

ProgressFn = Callable[[int, float], None]  # (frames decoded so far, time reached in seconds)


class _Pass:
    """The detectors a strategy needs, fed from one decode."""

    def __init__(self, info: VideoInfo, options: KeyframeOptions) -> None:
        fps = info.fps if info.fps > 0 else 25.0
        self.options = options
        self.stats = FrameStats()
        self.scenes = SceneDetector(options, fps, self.stats)
        wants = {"auto": ("motion", "text"), "motion": ("motion",), "text": ("text",)}.get(
            options.strategy, ()
        )
        self.motion = MotionDetector(options, fps) if "motion" in wants else None
        self.text = TextDetector(options, fps) if "text" in wants else None
        self.decode_side = options.text_size if self.text else options.analysis_size

    def run(self, info: VideoInfo, progress: ProgressFn | None, early: EarlyKeyframes | None) -> None:
        detectors = [d for d in (self.scenes, self.motion, self.text) if d is not None]
        for decoded in media.decode_small(info, self.decode_side):
            frame = FrameView(decoded.number, decoded.time, decoded.image, self.options.analysis_size)
            self.stats.add(frame)
            for detector in detectors:
                detector.process(frame)
            if progress and decoded.number % 10 == 0:
                progress(decoded.number + 1, decoded.time)
            if early is not None:
                early.after_frame(self, decoded.time)
        if progress:
            progress(len(self.stats), self.stats.times[-1] if len(self.stats) else 0.0)

    def activity(self) -> np.ndarray:
        source = self.motion.activity if self.motion else self.stats.change
        return np.frombuffer(source, np.float32)

    def detected(self, end: float | None = None) -> tuple[list[Candidate], list[Candidate], list[Candidate]]:
        """(shots, motion, text) candidates: final when `end` is None (the pass is over), else those found
        up to `end` without ending the pass."""
        if end is None:
            return (
                self.scenes.finish(),
                self.motion.finish() if self.motion else [],
                self.text.finish() if self.text else [],
            )
        return (
            self.scenes.so_far(end),
            self.motion.so_far() if self.motion else [],
            self.text.so_far() if self.text else [],
        )

    def horizons(self, now: float) -> dict[str, float]:
        """Per detector: no candidate it finds later will start before this time."""
        if self.options.strategy == "interval":
            return {}
        out = {"scenes": min(now, self.scenes.horizon())}
        if self.motion:
            out["motion"] = self.motion.horizon(now)
        if self.text:
            out["text"] = self.text.horizon(now)
        return out


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
    info: VideoInfo,
    options: KeyframeOptions | None = None,
    progress: ProgressFn | None = None,
    on_stable: StableFn | None = None,
) -> KeyframeSelection:
    """Choose the frames that stand for the video, with the strategy `options.strategy` names.

    With `on_stable`, keyframes that are sure to be in the selection are passed to it while the pass
    still runs (see early.py), so that describing them can start long before the pass ends."""
    options = options or KeyframeOptions()
    if options.strategy not in STRATEGIES:
        raise ValueError(f"unknown keyframe strategy {options.strategy!r}; one of {', '.join(STRATEGIES)}")
    p = _Pass(info, options)
    early = EarlyKeyframes(options, info.duration, on_stable) if on_stable and info.duration > 0 else None
    p.run(info, progress, early)
    stats = p.stats
    times = np.frombuffer(stats.times, np.float64)
    duration = max(info.duration, float(times[-1]) + (1.0 / info.fps if info.fps else 0.0))
    candidates, strategy = plan_candidates(
        options.strategy, options, stats, p.activity(), p.detected(), duration, duration
    )
    raw = keyframes_of(stats, choose(stats, candidates, duration), duration)
    final = _renumber(apply_budget(drop_repeats(raw, options.dedup_distance), options.max_frames, duration))
    return KeyframeSelection(
        video=info if info.duration else replace(info, duration=round(duration, 3)),
        keyframes=tuple(final),
        strategy=strategy,
        frames_decoded=len(stats),
        cuts=tuple(round(t, 3) for t, _ in p.scenes.cuts),
        activity=_activity_curve(p.activity(), times),
    )
