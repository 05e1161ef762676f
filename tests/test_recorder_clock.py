"""A recorder's clock drawn over a fixed camera (the date and time, ticking every second): real clips
exported as a recorder exports them, with the clock and without."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_VIDEOS, run_cli, shared_video
from tests.fake_ollama import FakeOllama
from tests.synthetic import recorder_export, typing
from vidscan import media
from vidscan.keyframes import KeyframeOptions, select_keyframes
from vidscan.keyframes.frames import FrameView
from vidscan.keyframes.motion import MotionDetector
from vidscan.types import KeyframeSelection


def _select(path: Path, **options: object) -> KeyframeSelection:
    return select_keyframes(media.probe(str(path)), KeyframeOptions(**options))  # type: ignore[arg-type]


def test_a_scene_settles_under_a_ticking_clock(tmp_path: Path) -> None:
    # The bottle clip at 720p: a hand takes the left bottle (6.6 s) and the scene stands still until
    # 11 s. The clock's digits, 36 px tall, changed every second, more than the smallest object worth an
    # event: the scene never settled, and no keyframe showed the table without the bottle.
    clocked = _select(recorder_export(tmp_path / "clock.mp4", SAMPLE_VIDEOS / "bottles.mp4", "1280x720", 40))
    settled = [k.time for k in clocked.keyframes if k.reason == "settled"]
    assert any(7.5 <= t <= 11.0 for t in settled), [(k.time, k.reason) for k in clocked.keyframes]
    assert clocked.clock_band is not None and clocked.clock_band[1] < 0.1  # the clock's line, at the top
    # ... and the clock's minute is no change of the scene: after the last bottle is put back (36.3 s),
    # one settled state at most (the table as the recording ends, still for its last second), not one
    # per tick.
    assert len([t for t in settled if t > 37.0]) <= 1, settled


def test_i_frames_first_skips_a_quiet_scene_under_a_clock(tmp_path: Path) -> None:
    # The visits clip's empty table (its first 6 s, looped) for a minute, 720p, an I-frame every 2 s:
    # nothing happens. Every two I-frames showed a different time, so every stretch was decoded: I-frames
    # first gained nothing on a recorder's footage. The clock is found in the first stretches (five
    # ticks); from then on the I-frames are compared without its line.
    source = shared_video("surveillance/intel_one-by-one-person-detection.mp4")
    fast = _select(
        recorder_export(tmp_path / "quiet.mp4", source, "1280x720", 60, loop_frames=60, keyframe_every=20),
        iframes_first=True,
    )
    counts = fast.strategy.split("I-frames first: ")[1].split(" keyframe")[0]
    decoded, gaps = (int(n) for n in counts.split(" of "))
    assert gaps == 29 and decoded <= gaps // 2, fast.strategy
    assert len(fast.keyframes) == 1


@pytest.mark.parametrize(
    "clip",
    [
        "surveillance/intel_one-by-one-person-detection.mp4",  # people who walk up, stand and talk
        "surveillance/opencv_vtest.avi",  # people walking all the time
        "sample_videos/tree.avi",  # a tree swaying in the wind, a hand
    ],
)
def test_what_moves_in_a_scene_is_no_clock(clip: str) -> None:
    path = SAMPLE_VIDEOS / Path(clip).name if clip.startswith("sample_videos") else shared_video(clip)
    info = media.probe(str(path))
    detector = MotionDetector(KeyframeOptions(), info.frame_rate, info.width)
    for frame in media.decode_small(info, 320):
        detector.process(FrameView(frame.time, frame.yuv))
    assert not detector.clock.found and detector.clock.band() is None


def test_the_report_says_where_the_clock_was_found(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    source = shared_video("surveillance/intel_one-by-one-person-detection.mp4")
    video = recorder_export(tmp_path / "cam3.mp4", source, "1280x720", 15, loop_frames=60, keyframe_every=20)
    result = run_cli("analyze", str(video), "--out", str(tmp_path / "out"), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "out" / "cam3" / "report.json").read_text())
    top, bottom = report["run"]["clock_band"]
    assert 0.0 <= top < bottom < 0.1  # drawn a fortieth of the height down, a twentieth tall
    html = (tmp_path / "out" / "cam3" / "report.html").read_text()
    assert f"found {top:.0%}\u2013{bottom:.0%} down the picture: left out of the motion tests" in html


def test_steady_typing_is_no_clock(tmp_path: Path) -> None:
    # A key every 0.6 s, as a terminal demo renders typing: each change is beside the last one, not in
    # place, and no line is left out (without that test, the typed line was taken for a clock).
    info = media.probe(str(typing(tmp_path / "typing.mp4", chars_per_second=1 / 0.6, seconds=20.0)))
    detector = MotionDetector(KeyframeOptions(), info.frame_rate, info.width)
    for frame in media.decode_small(info, 320):
        detector.process(FrameView(frame.time, frame.yuv))
    assert not detector.clock.found
