"""Slides and screen recordings: compares edge maps at a size where text is legible, so a new bullet or a
new terminal line counts even though few pixels change; a keyframe once the screen has settled."""

from __future__ import annotations

import cv2
import numpy as np

from .frames import Candidate, FrameView
from .options import KeyframeOptions

_STILL = 0.0006  # share of the picture whose edges moved between looks: below this the screen is still
# (a moving mouse pointer stays under it)
_FROZEN = 0.00005  # below this nothing at all moved (a typed character is more)
_NEW_SCREEN = 0.02  # edges moved over this share of the picture at once: a different screen
_NEAR = np.ones((3, 3), np.uint8)  # an edge one pixel away is the same edge (scaling, compression)


def edge_change(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the picture with an edge in one map and none near it in the other."""
    appeared = cv2.countNonZero(cv2.subtract(a, cv2.dilate(b, _NEAR)))
    gone = cv2.countNonZero(cv2.subtract(b, cv2.dilate(a, _NEAR)))
    return (appeared + gone) / a.size


class TextDetector:
    """Looks at the frames that come with a `detail` picture (the pass sends one `text_rate` times a
    second)."""

    def __init__(self, options: KeyframeOptions) -> None:
        self._options = options
        self._reference: np.ndarray | None = None  # edges of the screen of the last keyframe
        self._previous: np.ndarray | None = None  # edges at the previous look
        self._previous_edges: np.ndarray | None = None  # and the look before that
        self._changed_since: float | None = None  # the screen began to change then
        self._still_since: float | None = None
        self._frozen_since: float | None = None  # nothing at all has moved since then
        self._drift_since: float | None = None  # first small movement since the last keyframe
        self._candidates: list[Candidate] = []

    def process(self, frame: FrameView) -> None:
        if frame.detail is None:
            return
        edges = cv2.Canny(frame.detail, 60, 180)
        if self._previous is None:
            self._reference = self._previous = edges
            self._still_since = frame.time
        moved = edge_change(edges, self._previous)
        self._previous_edges, self._previous = self._previous, edges
        t = frame.time
        if moved >= _FROZEN:
            self._frozen_since = None
            self._drift_since = t if self._drift_since is None else self._drift_since
        elif self._frozen_since is None:
            self._frozen_since = t
        if moved >= _STILL:
            pending = self._changed_since
            if pending is not None and moved > _NEW_SCREEN and t - pending >= 2 * self._options.text_settle:
                # A new screen before the last one ever settled: the last one still gets its keyframe,
                # the calmest frame of its stretch.
                assert self._previous_edges is not None
                self._emit(pending, (pending, t), self._previous_edges)
                pending = None
            self._still_since = None
            self._changed_since = t if pending is None else pending
            return
        self._still_since = t if self._still_since is None else self._still_since
        settle = self._options.text_settle
        if self._changed_since is not None and t - self._still_since >= settle:
            self._emit_if_changed(self._changed_since, (self._still_since, t + 1e-3), edges)
        elif (
            self._drift_since is not None
            and self._frozen_since is not None
            and t - self._frozen_since >= settle
        ):
            # Small steady changes (typing) add up: one keyframe once the screen is frozen again.
            self._emit_if_changed(self._drift_since, (self._frozen_since, t + 1e-3), edges)

    def _emit_if_changed(self, start: float, pick: tuple[float, float], edges: np.ndarray) -> None:
        assert self._reference is not None
        if edge_change(edges, self._reference) > self._options.text_threshold:
            self._emit(start, pick, edges)
        self._changed_since = self._drift_since = None

    def _emit(self, start: float, pick: tuple[float, float], edges: np.ndarray) -> None:
        self._candidates.append(Candidate("text-change", start, pick, 1.5))
        self._reference = edges
        self._drift_since = None

    def so_far(self) -> list[Candidate]:
        return list(self._candidates)

    def horizon(self, now: float) -> float:
        """No candidate proposed later will start before this time: a change or a drift in progress
        gets its keyframe, starting where it began, once the screen settles."""
        pending = [t for t in (self._changed_since, self._drift_since) if t is not None]
        return min([now, *pending])

    def finish(self) -> list[Candidate]:
        return self._candidates
