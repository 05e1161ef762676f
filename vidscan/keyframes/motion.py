"""Fixed cameras: a background model at 160 px; keyframes when activity starts, at its peak, and once the
scene has settled in a new state. Lighting drift, noise and compression flicker do not count."""

from __future__ import annotations

from array import array
from collections import deque

import cv2
import numpy as np

from .frames import Candidate, FrameView
from .options import KeyframeOptions

_GLOBAL_CHANGE = 0.5  # share of the picture: more than this changed at once is a cut or a moved camera
_LEARN_SECONDS = 10.0  # time constant of the background where nothing is in front of it
_LAG_SECONDS = 0.2  # motion is measured against the frame this long ago
_OPEN = np.ones((3, 3), np.uint8)
_RATE = 10.0  # frames per second the detector looks at: people and objects move slower than that


def _median(values: np.ndarray) -> float:
    """np.median of `values`, without its generic machinery (a quarter of the cost on a few thousand)."""
    flat = values.ravel()
    middle = flat.size // 2
    if flat.size % 2:
        return float(np.partition(flat, middle)[middle])
    pair = np.partition(flat, (middle - 1, middle))
    return float((pair[middle - 1] + pair[middle]) / 2)


class MotionDetector:
    def __init__(self, options: KeyframeOptions, fps: float) -> None:
        self._options = options
        fps = fps if fps > 0 else 25.0
        self._every = max(1, int(fps / _RATE))
        self._seen = 0
        rate = fps / self._every
        self._learn = 1.0 / (rate * _LEARN_SECONDS)
        self._lagged: deque[np.ndarray] = deque(maxlen=max(1, int(round(rate * _LAG_SECONDS))))
        self._background: np.ndarray | None = None
        self._before: np.ndarray | None = None  # the scene as it was when the current activity began
        self.activity = array("f")  # per frame: share of the picture that differs from the background (1 on
        # a global change)
        self.resets = 0  # global changes seen (cuts, camera moves): a fixed camera has few
        self._candidates: list[Candidate] = []
        self._active_since: float | None = None  # activity in progress
        self._above_since: float | None = None  # over the threshold, not yet long enough to count
        self._still_since: float | None = None  # inside activity: nothing has moved since then
        self._window_peak = (0.0, 0.0)  # (activity, time) of the busiest frame of this interval
        self._window_start = 0.0
        self._last_keyframe = 0.0

    def _share(self, diff: np.ndarray, threshold: float) -> float:
        above = cv2.compare(diff, np.array([threshold]), cv2.CMP_GT)  # a one-element array is a scalar
        return cv2.countNonZero(cv2.morphologyEx(above, cv2.MORPH_OPEN, _OPEN)) / above.size

    def process(self, frame: FrameView) -> None:
        self._seen += 1
        if (self._seen - 1) % self._every:
            self.activity.append(self.activity[-1] if self.activity else 0.0)
            return
        # Subtracting the mean makes a global brightness drift invisible: only structure is compared.
        now = frame.tiny.astype(np.float32)
        now -= cv2.mean(now)[0]
        if self._background is None:
            self._background = now.copy()
            self._before = now.copy()
        diff = cv2.absdiff(now, self._background)
        # Noise threshold from the picture itself: most pixels are still background (a sparse grid of
        # them gives the same median at a fraction of the cost).
        threshold = max(10.0, 4.0 * _median(diff[::3, ::3]))
        share = self._share(diff, threshold)
        lagged = self._lagged[0] if self._lagged else now
        moving = self._share(cv2.absdiff(now, lagged), threshold)
        self._lagged.append(now)
        if share > _GLOBAL_CHANGE:  # not activity in this scene: start over from the new picture
            self.resets += 1
            self._background = now.copy()
            self._before = now.copy()
            self._active_since = self._above_since = self._still_since = None
            self.activity.append(1.0)
            return
        self.activity.append(share)
        still = cv2.compare(diff, np.array([threshold]), cv2.CMP_LE)
        cv2.accumulateWeighted(now, self._background, self._learn, mask=still)
        self._step(frame.time, share, moving, now)

    def _emit(self, reason: str, start: float, pick: tuple[float, float], importance: float) -> None:
        self._candidates.append(Candidate(reason, start, pick, importance))
        self._last_keyframe = max(self._last_keyframe, pick[0])

    def _step(self, t: float, share: float, moving: float, now: np.ndarray) -> None:
        o = self._options
        if self._active_since is None:
            if share <= o.motion_threshold:
                self._above_since = None
                if o.heartbeat and t - self._last_keyframe >= o.heartbeat:
                    self._emit("heartbeat", t, (t, t + 1.0), 0.2)
                return
            self._above_since = t if self._above_since is None else self._above_since
            if t - self._above_since < _LAG_SECONDS:  # a flicker is not activity
                return
            self._active_since = self._window_start = t
            self._window_peak = (share, t)
            self._still_since = None
            self._emit("activity-start", t, (t, t + 1.5), 1.5)
            return
        if share > self._window_peak[0]:
            self._window_peak = (share, t)
        if t - self._window_start >= o.activity_interval:
            self._emit_peak()
            self._window_start, self._window_peak = t, (share, t)
        if moving > o.motion_threshold / 2:
            self._still_since = None
            return
        self._still_since = t if self._still_since is None else self._still_since
        if t - self._still_since < o.settle:
            return
        # Activity is over. A keyframe of the settled scene if it differs from the scene before it began
        # (something appeared and stayed, or went and stayed gone); the background becomes the new scene.
        self._emit_peak()
        assert self._before is not None
        changed = self._share(cv2.absdiff(now, self._before), 12.0)
        if changed > o.motion_threshold:
            self._emit("settled", self._still_since, (self._still_since, t + 1e-3), 1.5)
        self._background = now.copy()
        self._before = now.copy()
        self._active_since = self._above_since = self._still_since = None

    def _emit_peak(self) -> None:
        assert self._active_since is not None
        share, at = self._window_peak
        if share > self._options.motion_threshold and at - self._active_since >= 2.0:
            self._emit("activity-peak", at, (at - 0.5, at + 0.5), 1.0)

    def so_far(self) -> list[Candidate]:
        """The candidates proposed up to now, without ending the pass."""
        return sorted(self._candidates, key=lambda c: c.start)

    def horizon(self, now: float) -> float:
        """No candidate proposed later will start before this time: an activity in progress may still
        give a peak in its current interval, and a settling scene a keyframe from where it went still."""
        if self._active_since is None:
            return now
        return min(now, self._window_start, self._still_since if self._still_since is not None else now)

    def finish(self) -> list[Candidate]:
        if self._active_since is not None:
            self._emit_peak()
        return sorted(self._candidates, key=lambda c: c.start)
