"""Keyframe selection: one low-resolution decode pass feeding the detectors (scenes, motion, text, interval),
one sharp settled frame per segment, perceptual-hash dedup, coverage floor and budget.

The pass keeps a few numbers per frame, never the frames themselves, so memory stays flat in video length;
full-resolution frames are grabbed later, only for the chosen times.
"""

from .early import StableFn
from .frames import hamming
from .options import STRATEGIES, KeyframeOptions
from .plan import apply_budget, looks_same
from .selection import ProgressFn, select_keyframes

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
