"""Keyframe selection: one low-resolution decode pass feeding the detectors (scenes, motion, text, interval),
one sharp settled frame per segment, perceptual-hash dedup, coverage floor and budget.

The pass keeps a few numbers per frame, never the frames themselves, so memory stays flat in video length;
full-resolution frames are grabbed later, only for the chosen times.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ..lazy_imports import lazy_attributes
from .options import STRATEGIES, KeyframeOptions

# PySceneDetect's package loads its PyAV video backend whenever PyAV is installed (vidscan[pyav]): 40-100
# ms more start-up for every pass, for a backend the detectors never use (vidscan decodes the frames).
# Marked missing, it is skipped; PySceneDetect's OpenCV backend and vidscan's own PyAV use are unaffected.
sys.modules.setdefault("scenedetect.backends.pyav", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from .early import StableFn
    from .frames import hamming
    from .plan import apply_budget, looks_same
    from .selection import ProgressFn, select_keyframes

# The detectors (OpenCV, PySceneDetect) load on first use: the options alone are all the CLI's parser needs.
__getattr__ = lazy_attributes(
    __name__,
    {
        "StableFn": "early",
        "hamming": "frames",
        "apply_budget": "plan",
        "looks_same": "plan",
        "ProgressFn": "selection",
        "select_keyframes": "selection",
    },
)

__all__ = [
    "STRATEGIES",
    "KeyframeOptions",
    "ProgressFn",
    "StableFn",
    "apply_budget",
    "hamming",
    "looks_same",
    "select_keyframes",
]
