"""Screens scrolled without a rest: somebody reading down a page, a terminal whose output runs on. The
picture moves as a whole and never stands still long enough for a screen state of the text detector, so
a shot of it had one keyframe however many pages went by.

Each look's change is measured as a shift of the region that changed, by phase correlation (the standard
estimate of a translation between two pictures: the peak of their normalised cross-power spectrum). The
content's net move since the last candidate is summed; once it reaches `_SCROLLED` of that region's
height (or width), most of what the region shows is new, and the look is proposed. Keyframes taken at
those moments overlap, so every line scrolled past is in one of them. The page before a scroll starts,
and where it comes to rest, are proposed too."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .frames import Candidate, FrameView
from .sway import fft_size

# Grey levels: a letter's edge that moved changes its pixels by most of the text's contrast, where
# compression re-codes a still screen by a few levels.
_MOVED_LEVELS = 32
_SMALLEST = 0.25  # of the picture's width and height: a changed region smaller than this is a local change
# (typing, a pointer, a spinner), not a page that scrolled
# Phase correlation's peak over which a look's change is its region shifted: a page scrolled by a few
# lines gives 0.6-1.0, two different pictures (a new slide, a page replaced) under 0.3.
_RESPONSE = 0.5
# Of the change: what shifting back may leave of it. A page scrolled on a screen is the same pixels moved:
# 0.00-0.03 of the change at 80-200 pixels a second (H.264 at CRF 23-28); a camera's picture of something
# moving (an item on a belt) keeps its noise, blur and light: 0.16-0.24. (A fast flick, blurred by the
# encoder, leaves up to half; it comes to rest, and the text detector shows the screen where it did.)
_EXPLAINED = 0.1
# Of the change, between the two frames where the cut detector found a cut: a page's jump at a mouse
# wheel's notch (a twelfth to a sixth of the picture from one frame to the next, at x264's fastest
# presets) leaves 0.02-0.18 of it; two different pictures are no shift of each other, and leave all of it.
_JUMPED = 0.5
# Of the region's height or width: content moved this far since the last candidate shows it two thirds
# new. Consecutive keyframes share a third, which leaves room for a region measured up to half again the
# size of the pane that scrolls (a moving scroll bar, a status line that changed with it).
_SCROLLED = 2 / 3
_RESTED = 0.25  # of the region: a scroll that comes to rest this far past the last candidate is proposed
# at rest (a quarter of the page is new, and no keyframe shows it)
_STOOD = 1.0  # seconds without a move that count as a rest: the text detector's settle time (a terminal's
# output that pauses between lines scrolls on)


class ScrollDetector:
    """Candidates where a rendered picture scrolled (see the module's doc). `process` each look; a look at
    a camera's picture ends any scroll."""

    def __init__(self) -> None:
        self._previous: FrameView | None = None
        self._moved = np.zeros(2)  # net (x, y) move since the last candidate, in shares of the region
        self._last_shift: float | None = None  # when the content last moved (None: at rest)
        self._still_since: float | None = -math.inf  # the picture has not changed since (None: it just did)
        self._explained_at: float | None = None  # the last look whose shift explained its change
        self._proposed = False  # since the picture became a rendered one
        self._candidates: list[Candidate] = []

    def process(self, frame: FrameView, rendered: bool) -> None:
        previous, self._previous = self._previous, frame
        if not rendered or previous is None or previous.gray.shape != frame.gray.shape:
            self._moved[:] = 0.0
            self._last_shift, self._proposed, self._explained_at = None, False, None
            self._still_since = -math.inf  # the first look at the picture: the page as it was first shown
            return
        changed = _changed(previous.gray, frame.gray)
        any_change = cv2.countNonZero(changed) > 0
        shifted = _shift(previous.gray, frame.gray, changed) if any_change else None
        if shifted is not None and shifted[1]:
            self._explained_at = frame.time
        # A page's scroll is told by the looks whose shift explains their change; the looks between them
        # (compression blurs a page that moves, most at a hasty encoder's presets) go on with it.
        explained = self._explained_at is not None and frame.time - self._explained_at <= _STOOD
        move = shifted[0] if shifted is not None and explained else None
        still_since = self._still_since
        if any_change:
            self._still_since = None
        elif still_since is None:
            self._still_since = previous.time
        if move is None:
            last = self._last_shift
            if last is not None and frame.time - last >= _STOOD:
                if np.abs(self._moved).max() >= _RESTED:
                    self._propose(last + 1e-3, frame.time)  # where it came to rest, as it stood there
                self._last_shift = None
            return
        if not self._proposed and still_since is not None and previous.time - still_since >= _STOOD:
            self._propose(previous.time)  # the page as it stood before it first scrolled
        self._last_shift = frame.time
        self._moved += move
        if np.abs(self._moved).max() >= _SCROLLED:
            self._propose(frame.time)

    def _propose(self, time: float, until: float | None = None) -> None:
        """A candidate from `time`, its picture taken then, or from the looks up to `until`."""
        self._candidates.append(Candidate("scrolled", time, (time, time + 1e-3 if until is None else until)))
        self._moved[:] = 0.0
        self._proposed = True

    def candidates(self) -> list[Candidate]:
        return list(self._candidates)

    def finish(self) -> list[Candidate]:
        """The candidates, with the last look when the video ended in a scroll that had not come to rest
        (what it scrolled to since the last candidate is shown nowhere else)."""
        last = self._previous
        if last is not None and self._last_shift is not None and np.abs(self._moved).max() >= _RESTED:
            self._propose(last.time)
        return self.candidates()

    def horizon(self, now: float) -> float:
        """No candidate proposed later will start before this time: a rest is proposed from the look
        after the last move, and a first scroll from the look before it."""
        if self._last_shift is not None:
            return self._last_shift
        return now if self._proposed else (self._previous.time if self._previous else now)


def _changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """255 where a pixel changed by _MOVED_LEVELS or more between two looks, else 0."""
    return cv2.threshold(cv2.absdiff(before, after), _MOVED_LEVELS, 255, cv2.THRESH_BINARY)[1]


def jumped(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether `after` is `before` with its content shifted, as a page jumps at a mouse wheel's notch or
    a terminal scrolls by a line, rather than a different picture (a cut; see _JUMPED)."""
    changed = _changed(before, after)
    if not cv2.countNonZero(changed):
        return False
    shifted = _shift(before, after, changed, _JUMPED)
    return shifted is not None and shifted[1]


def _shift(
    before: np.ndarray, after: np.ndarray, changed: np.ndarray, explains: float = _EXPLAINED
) -> tuple[np.ndarray, bool] | None:
    """How far the content of the region that changed between two looks (`changed`: 255 where a pixel
    did; some did) moved, as shares of that region's width and height, and whether the shift explains the
    change to the pixel (see _EXPLAINED); None when nothing large changed, or not by a shift."""
    x, y, w, h = cv2.boundingRect(changed)
    height, width = after.shape
    if w < _SMALLEST * width or h < _SMALLEST * height:
        return None
    # Its middle, at sizes phase correlation takes unbiased (an odd width gave every shift half a pixel
    # across, and a page shifted by that no longer matched itself).
    even_w, even_h = fft_size(w), fft_size(h)
    x, y, w, h = x + (w - even_w) // 2, y + (h - even_h) // 2, even_w, even_h
    region = np.s_[y : y + h, x : x + w]
    before_region, after_region = before[region].astype(np.float32), after[region].astype(np.float32)
    window = cv2.createHanningWindow((w, h), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(before_region, after_region, window)
    if response < _RESPONSE or max(abs(dx), abs(dy)) < 1.0:
        return None  # no shift, or under a pixel: a camera's noise, compression re-coding a still page
    # A shift explains the change: shifted back, the region is the look before to a few levels (see
    # _EXPLAINED; a camera's still scene, where the peak was its noise's, not at all).
    shift = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    back = cv2.warpAffine(before_region, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)
    margin_x, margin_y = math.ceil(abs(dx)) + 1, math.ceil(abs(dy)) + 1
    inner = np.s_[margin_y : h - margin_y, margin_x : w - margin_x]
    residual = float(cv2.absdiff(back, after_region)[inner].mean())
    explained = residual <= explains * float(cv2.absdiff(before_region, after_region)[inner].mean())
    return np.array((dx / w, dy / h)), explained
