"""A page scrolled on without a rest: every line of it in some keyframe (vidscan/keyframes/scroll.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests import synthetic
from tests.conftest import shared_video
from vidscan import media
from vidscan.keyframes import KeyframeOptions, select_keyframes

_HEIGHT = 720  # of scrolling_page's picture


def test_a_page_read_while_it_scrolls_on_shows_every_line_in_some_keyframe(tmp_path: Path) -> None:
    seconds, speed = 24.0, 120.0  # four screens' height of text, never at rest
    clip = synthetic.scrolling_page(tmp_path / "scroll.mp4", seconds, speed)
    selection = select_keyframes(media.probe(str(clip)), KeyframeOptions())
    tops = [synthetic.scrolled_to(kf.time, speed) for kf in selection.keyframes]
    # Before: one keyframe in the middle of the shot, three screens of text in none.
    assert len(tops) >= 5, selection.keyframes
    assert "scrolled" in {kf.reason for kf in selection.keyframes}
    assert tops == sorted(tops)
    assert tops[0] <= _HEIGHT / 3, "the page as first shown (its title) is in the first keyframe"
    gaps = [b - a for a, b in zip(tops, tops[1:], strict=False)]
    assert max(gaps) < _HEIGHT, f"a line between two keyframes is in neither: {tops}"
    assert tops[-1] >= synthetic.scrolled_to(seconds, speed) - _HEIGHT / 4, "where the scroll ended"
    # Each shows lines no other does: none is sent to the model as a repeat.
    assert all(kf.duplicate_of is None for kf in selection.keyframes)


def test_a_page_scrolled_with_a_mouse_wheel_is_shown_at_each_rest_and_is_no_cut(tmp_path: Path) -> None:
    """A wheel's notch moves the page a sixth of the picture from one frame to the next, which the cut
    detector scores as a cut. The frame after it is the one before shifted: a page's jump, not a cut on
    the timeline, and the page as it stood at each rest is in some keyframe."""
    seconds, fps = 14.0, 15
    clip = synthetic.wheel_scrolled_page(tmp_path / "wheel.mp4", seconds, fps)
    selection = select_keyframes(media.probe(str(clip)), KeyframeOptions())
    reasons = [kf.reason for kf in selection.keyframes]
    assert "cut" not in reasons and "page-jump" in reasons, reasons  # before: a cut at every burst
    assert not selection.cuts
    shown = {synthetic.wheel_scrolled_to(kf.time, fps) for kf in selection.keyframes}
    tops = [synthetic.wheel_scrolled_to(n / fps, fps) for n in range(round(seconds * fps))]
    # The page as it stood for half a second or more.
    rests = sorted(
        {top for n, top in enumerate(tops) if n >= fps and len(set(tops[n - fps // 2 : n + 1])) == 1}
    )
    assert len(rests) >= 7 and not set(rests) - shown, (rests, sorted(shown))


def test_things_carried_along_a_belt_are_no_scrolled_page(tmp_path: Path) -> None:
    """A camera's picture of a belt carrying things along is a shift too. At twice its size (smoother,
    as a larger camera's is) the shift explains its change as well as a page's; the motion detector's
    events show the things instead."""
    clip = shared_video("inspection/intel-sample-videos_fruit-and-vegetable-detection.mp4")
    larger = tmp_path / "belt.mp4"
    cmd = ["ffmpeg", "-v", "error", "-i", str(clip), "-an", "-c:v", "libx264", "-preset", "veryfast"]
    cmd += ["-pix_fmt", "yuv420p", "-fps_mode", "vfr", "-crf", "23", "-vf", "scale=iw*2:-2", str(larger)]
    subprocess.run(cmd, check=True)
    selection = select_keyframes(media.probe(str(larger)), KeyframeOptions())
    reasons = [kf.reason for kf in selection.keyframes]
    assert "scrolled" not in reasons and "activity-start" in reasons
