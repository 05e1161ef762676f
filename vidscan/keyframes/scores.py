"""Scores shared by the cut and dissolve detectors."""

from __future__ import annotations

import cv2
import numpy as np

# Chroma (max - min of a pixel's 8-bit B, G, R) under which a pixel is grey: its hue and saturation are
# noise. A hue is an angle of the chroma, and compression moves a channel by a level or two: that turns
# the hue of a pixel near grey anywhere (a dark terminal's background flips hue by a third of the circle
# at every I-frame), and that of a pixel with 16 levels of chroma by under 1/40 of the circle.
_GREY_CHROMA = 16


def coloured(hsv: np.ndarray) -> np.ndarray:
    """255 where a pixel of an 8-bit HSV picture has a colour (chroma = S V / 255), else 0."""
    # (planes taken out once: OpenCV copies a strided view for every call that reads it)
    sat, value = cv2.extractChannel(hsv, 1), cv2.extractChannel(hsv, 2)
    chroma = cv2.multiply(sat, value, scale=1.0 / 255.0)
    return cv2.threshold(chroma, _GREY_CHROMA - 1, 255, cv2.THRESH_BINARY)[1]


def hsv_change(
    a: np.ndarray,
    b: np.ndarray,
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
    masks: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """PySceneDetect's content score between two HSV pictures: the weighted mean absolute difference
    of hue, saturation and value, each pixel counting the components it has: a pixel grey in both
    pictures has a value only (see _GREY_CHROMA). A grey picture scores its change of brightness, a
    colourful one the three components as PySceneDetect does. `masks`: coloured(a) and coloured(b),
    when the caller has them."""
    diff = cv2.absdiff(a, b)
    hue_w, sat_w, lum_w = (abs(w) for w in weights)
    lum = cv2.mean(diff)[2]
    mask_a, mask_b = masks if masks is not None else (coloured(a), coloured(b))
    either = cv2.bitwise_or(mask_a, mask_b)
    share = cv2.countNonZero(either) / either.size
    if not share:  # a grey picture: its change of brightness (no masked mean to take)
        return float(lum) if lum_w else 0.0
    # Sums over the coloured pixels, per pixel of the whole picture.
    hue, sat = (share * v for v in cv2.mean(diff, mask=either)[:2])
    counted = (hue_w + sat_w) * share + lum_w
    return float((hue * weights[0] + sat * weights[1] + lum * weights[2]) / counted) if counted else 0.0
