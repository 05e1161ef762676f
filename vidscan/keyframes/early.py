"""Keyframes known before the pass ends, so describing them can start while decoding goes on.

Every so often the plan is made over the frames seen so far. A keyframe of that early plan is passed on
when nothing the pass has still to see can change it:
- its stretch ends (the next candidate starts) and its pick range lies before the detectors' horizon,
  the time before which no detector will propose anything new (scene cuts are reported a few frames
  late, an activity or a screen change in progress gets its keyframe from where it began);
- (a repeat of an earlier keyframe is passed on too, marked: its frame is saved early, and it reuses
  the caption of its first appearance at the end);
- under a frame budget, it wins its budget bin, and that bin is over: the budget keeps every bin's
  winner whatever comes later.
The final selection is still made from scratch when the pass ends; early keyframes are a bet that it
will contain them. The bet is lost only when a later part of the video changes an earlier decision (auto
counts cuts over the whole video to tell edited footage from a fixed camera): the caller then has
described a frame the report does not use. `unused` in the caller's results counts those. So under auto,
once a video not edited so far has an edit (one cut on the way to the few that make it edited), the
keyframes of a shot that is no screen wait until the shot has been held as long as a camera's view is
and a film's shot is not (plan.HELD): a film's first shots look like a fixed camera's, and every move in
them like an event. Before its first edit a video is bet to be a camera's: a fixed camera streams.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..types import Keyframe
from .frames import Candidate
from .options import KeyframeOptions
from .plan import (
    HELD,
    budget_bin,
    choose,
    drop_repeats,
    edited,
    edits_of,
    keyframes_of,
    plan_candidates,
    shot_kinds,
)

if TYPE_CHECKING:
    from .selection import _Pass

StableFn = Callable[[Keyframe], None]

_EVERY_VIDEO_SECONDS = 0.5  # plan again once the pass has moved on this far
_MAX_SHARE = 0.01  # of the wall time spent planning early: waits 1/_MAX_SHARE times the last plan's cost
_FLOOR_SHARE = 0.05  # but plans anyway once the pass has moved on by this share of the video: a fast pass
# (a short clip, a loaded machine) would otherwise see no plan at all between start and end


class EarlyKeyframes:
    def __init__(self, options: KeyframeOptions, duration: float, on_stable: StableFn) -> None:
        self._options = options
        self._duration = duration  # from the container: budget bins need the length before the end
        self._on_stable = on_stable
        self._sent: set[float] = set()
        self._planned_at = -math.inf  # video time of the last early plan
        self._next_wall = 0.0

    @property
    def sent(self) -> bool:
        """Whether any keyframe was passed on yet."""
        return bool(self._sent)

    def after_frame(self, p: _Pass, now: float) -> None:
        moved = now - self._planned_at
        if moved < _EVERY_VIDEO_SECONDS:
            return
        if time.monotonic() < self._next_wall and moved < _FLOOR_SHARE * self._duration:
            return
        started = time.monotonic()
        self._planned_at = now
        for kf in self.stable(p, now):
            if kf.time not in self._sent:
                self._sent.add(kf.time)
                self._on_stable(kf)
        cost = time.monotonic() - started
        self._next_wall = time.monotonic() + cost / _MAX_SHARE

    def stable(self, p: _Pass, now: float) -> list[Keyframe]:
        """The keyframes of the plan over the frames up to `now` that no later frame can change."""
        options, stats = self._options, p.stats
        detected = p.detected(now)
        shots = detected[0]
        kinds = shot_kinds(stats, p.camera_moved(), shots, options, now) if options.strategy == "auto" else []
        is_edited = options.strategy == "auto" and edited(shots, now, options, stats)
        limit = self._limit(p, now, shots, kinds, is_edited)
        candidates, _ = plan_candidates(
            options.strategy, options, stats, p.camera_moved(), detected, now, self._duration, p.gaps
        )
        if options.min_coverage > 0 and options.strategy != "interval":
            # Coverage fills the gap after the last real candidate evenly up to `now`: it moves as
            # `now` does.
            real = [c.start for c in candidates if c.reason != "coverage"]
            limit = min(limit, real[-1] if real else 0.0)
        chosen, blank = choose(stats, candidates, now, options.min_gap)
        settled = 0
        while settled + 1 < len(chosen) and self._settled(chosen[settled][0], chosen[settled + 1][0], limit):
            settled += 1
        if not settled:
            return []
        # Nothing later can have a keyframe before the first unsettled candidate starts.
        known_until = min(limit, chosen[settled][0].start)
        kept = drop_repeats(keyframes_of(stats, chosen, now, [*blank, *p.gaps]), options.dedup_distance)
        settled_times = {round(stats.times[at], 6) for _, at in chosen[:settled]}
        sure = [kf for kf in kept if kf.time in settled_times]
        if kinds and not is_edited and edits_of(shots):
            sure = [kf for kf in sure if _held_or_screen(kf.time, shots, kinds, now)]
        return [kf for kf in sure if self._within_budget(kf, kept, known_until)]

    @staticmethod
    def _settled(cand: Candidate, following: Candidate, limit: float) -> bool:
        if following.start > limit:
            return False  # its stretch may still be cut short by a candidate not found yet
        if cand.pick[1] <= limit:
            return True
        # A pick range that starts past the candidate's own stretch is replaced by the whole stretch. The
        # open last shot's range (the middle half of the shot) only moves later as the shot goes on.
        return cand.pick[0] >= following.start

    def _limit(
        self,
        p: _Pass,
        now: float,
        shots: list[Candidate],
        kinds: list[tuple[bool, bool, bool]],
        is_edited: bool,
    ) -> float:
        """The earliest time a detector may still put a candidate at. Under auto, a detector counts only
        where its candidates are used: text in shots that look like screens, motion in long still shots
        of a fixed camera (the open last shot may still turn into one while the video is not edited),
        scrolled pages in rendered shots that are no screen."""
        horizons = p.horizons(now)
        if self._options.strategy != "auto":
            return min([now, *horizons.values()])
        limit = min(now, horizons["scenes"])
        starts = [s.start for s in shots]
        for name in ("motion", "text", "scroll"):
            if name not in horizons:  # not looked for (text, I-frames first)
                continue
            at = horizons[name]
            i = max(0, bisect_right(starts, at) - 1)
            screen, fixed, rendered = kinds[i] if i < len(kinds) else (False, False, False)
            if i == len(kinds) - 1:
                fixed = fixed or not is_edited
            used = {"text": screen, "motion": fixed, "scroll": rendered and not screen}
            if used[name]:
                limit = min(limit, at)
        return limit

    def _within_budget(self, kf: Keyframe, kept: list[Keyframe], known_until: float) -> bool:
        budget = self._options.max_frames
        if budget <= 0:
            return True
        span = max(self._duration, kept[-1].time + 1e-3)
        b = budget_bin(kf.time, budget, span)
        if b >= budget or span * (b + 1) / budget > known_until:
            return False  # the bin is not over: a more important keyframe may still land in it
        rivals = [k for k in kept if budget_bin(k.time, budget, span) == b]
        best = max(rivals, key=lambda k: (k.score, k.segment[1] - k.segment[0]))
        return best.time == kf.time


def _held_or_screen(
    time: float, shots: list[Candidate], kinds: list[tuple[bool, bool, bool]], now: float
) -> bool:
    """Whether the shot that holds `time` is a screen's (its keyframes do not depend on the video being
    edited) or has been held for plan.HELD seconds (to its end, or to `now` for the open last shot)."""
    starts = [s.start for s in shots]
    i = max(0, bisect_right(starts, time) - 1)
    if i >= len(kinds):
        return False
    stop = starts[i + 1] if i + 1 < len(starts) else now
    return kinds[i][0] or stop - starts[i] >= HELD
