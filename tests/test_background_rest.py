"""The fixed-camera detector's background model rests on a picture repeated to the pixel (a still
screen, a recorder repeating its frame) and learns the looks it missed with the next one it takes:
the same keyframes as looking at every one, for a fraction of the work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests import synthetic
from vidscan import media
from vidscan.keyframes import KeyframeOptions, motion, select_keyframes
from vidscan.types import KeyframeSelection


def _select_counting(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[KeyframeSelection, int]:
    """The motion strategy's keyframes, and how many looks the background model learnt."""
    learnt = 0
    apply = motion._BackgroundModel.apply

    def counted(self: motion._BackgroundModel, grey: np.ndarray, rate: float = -1.0) -> np.ndarray:
        nonlocal learnt
        learnt += 1
        return apply(self, grey, rate)

    monkeypatch.setattr(motion._BackgroundModel, "apply", counted)
    selection = select_keyframes(media.probe(str(path)), KeyframeOptions(strategy="motion"))
    return selection, learnt


def _found(selection: KeyframeSelection) -> list[tuple[float, str]]:
    return [(k.time, k.reason) for k in selection.keyframes]


def test_a_still_slide_under_a_pen_is_learnt_a_look_a_second_with_the_same_keyframes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slide standing still for 36 s, but for two pen strokes (at 14 s and 24 s, each a red line
    # drawn in 0.6 s): at 15 frames/s, 540 looks, most of them at the same picture as the one before.
    video = synthetic.pen_strokes(tmp_path / "pen.mp4", strokes=(14.0, 24.0), seconds=36.0, lossless=True)
    rested, learnt_resting = _select_counting(video, monkeypatch)
    monkeypatch.setattr(motion, "_REST", 0.0)  # never rests: every look learnt
    every, learnt_every = _select_counting(video, monkeypatch)
    assert learnt_every == every.frames_decoded == 540
    assert _found(rested) == _found(every)
    assert rested.activity == every.activity
    # The model learns every look for its first 10 s (half its memory: it learns fast then), and after
    # each stroke until the ink is background; at a still slide, one look a second.
    assert learnt_resting < learnt_every / 2, (learnt_resting, learnt_every)
    # The ink drawn is seen as a change of the slide each time.
    settled = [t for t, reason in _found(rested) if reason == "settled"]
    assert any(14.6 <= t < 24.0 for t in settled) and any(t >= 24.6 for t in settled), _found(rested)
