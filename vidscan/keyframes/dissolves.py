"""Gradual transitions: a cross-dissolve blends one shot into the next over a second or so, and no single
frame differs enough from the one before to be a cut. Compared a second apart, the two ends differ like
two shots (their structures do not correlate), and the frame half way between is their average: the
twin comparison of the field (Zhang et al.) with the dissolve's linearity test, which a camera pan or a
person walking by fails (their middle frame is no blend of the ends), and a change of light does not
reach (the structure stays, only its brightness moves)."""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from .scores import hsv_change

_WIDTH = 80  # pixels: the pictures compared; a dissolve changes the whole picture
SPAN = 1.0  # seconds between the two ends compared: most dissolves last half a second to a second
_UNRELATED = 0.5  # correlation of the two ends' structure under which they are two different shots
_GRID = 4  # cells a side where the change between the ends is looked for
_EVERYWHERE = 0.25  # the typical cell changes at least this share of the most changed one
_NOISE = 10.0  # grey levels: a typical cell of two different shots differs by more than compression noise
_BLEND = 0.3  # the middle frame's distance from the ends' average, as a share of the ends' distance,
# under which it is their blend


def _structure(picture: np.ndarray) -> np.ndarray:
    """Zero mean, unit deviation: the picture without its brightness and contrast."""
    mean, std = cv2.meanStdDev(picture)
    return (picture - float(mean[0, 0])) / max(float(std[0, 0]), 1.0)


class DissolveDetector:
    """Looks at `rate` frames a second; `transitions` lists the (start, end) of each dissolve found.
    `min_content`: the content score (PySceneDetect's, of hue, saturation and value) by which the two
    ends must differ, as two shots across a cut do."""

    def __init__(self, rate: float, min_content: float) -> None:
        self._looks = max(2, int(round(SPAN * rate)))
        self._min_content = min_content
        self._pictures: deque[tuple[float, np.ndarray]] = deque(maxlen=self._looks + 1)
        self._colours: deque[np.ndarray] = deque(maxlen=self._looks + 1)
        self._run: tuple[float, float] | None = None  # first and last look that saw a dissolve
        self.transitions: list[tuple[float, float]] = []

    def process(self, time: float, half: np.ndarray) -> None:
        """`half`: the frame in BGR at any small size (the cut detector's view)."""
        height = max(2, half.shape[0] * _WIDTH // max(half.shape[1], 1))
        colour = cv2.resize(half, (_WIDTH, height), interpolation=cv2.INTER_AREA)
        if self._colours and self._colours[-1].shape != colour.shape:
            self._pictures.clear()  # a picture of another shape (the black bars around it found):
            self._colours.clear()  # compared from here on
        self._colours.append(cv2.cvtColor(colour, cv2.COLOR_BGR2HSV))
        self._pictures.append((time, cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY).astype(np.float32)))
        if len(self._pictures) <= self._looks:
            return
        if self._blending():
            self._run = (self._run[0] if self._run else time, time)
        elif self._run is not None:
            self._close()

    def _blending(self) -> bool:
        if hsv_change(self._colours[0], self._colours[-1]) < self._min_content:
            return False  # the same shot (a low-contrast scene's noise correlates poorly with itself)
        (_, first), (_, last) = self._pictures[0], self._pictures[-1]
        correlation = float(np.mean(_structure(first) * _structure(last)))
        if correlation >= _UNRELATED:
            return False
        # A dissolve changes the whole picture; a car driving through a low-contrast scene changes part
        # of it, and the brightness of the rest as the camera's exposure follows (compared without it).
        change = np.abs((last - float(np.mean(last))) - (first - float(np.mean(first))))
        cells = cv2.resize(change, (_GRID, _GRID), interpolation=cv2.INTER_AREA)
        typical, largest = float(np.median(cells)), float(cells.max())
        if typical < max(_NOISE, _EVERYWHERE * largest):
            return False
        ends = float(np.mean(np.abs(last - first)))
        middle = self._pictures[len(self._pictures) // 2][1]
        return float(np.mean(np.abs(middle - (first + last) / 2))) <= _BLEND * ends

    def _close(self) -> None:
        assert self._run is not None
        first, last = self._run
        # Seen from every look whose span holds the dissolve (or lies within a long one): it lies
        # between the earliest span's start and the last look.
        self.transitions.append((first - SPAN, last))
        self._run = None

    def finish(self) -> list[tuple[float, float]]:
        if self._run is not None:
            self._close()
        return self.transitions
