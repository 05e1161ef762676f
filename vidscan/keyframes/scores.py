"""Scores shared by the cut and dissolve detectors."""

from __future__ import annotations

import cv2
import numpy as np


def hsv_change(a: np.ndarray, b: np.ndarray, weights: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> float:
    """PySceneDetect's content score between two HSV pictures: the weighted mean absolute difference
    of hue, saturation and value."""
    hue, sat, lum, _ = cv2.mean(cv2.absdiff(a, b))
    return float((hue * weights[0] + sat * weights[1] + lum * weights[2]) / sum(abs(w) for w in weights))
