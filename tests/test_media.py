"""Probing and decoding real files, through the system ffmpeg and through imageio-ffmpeg's binary."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Shot, make_video, shared_video
from tests.synthetic import encode
from vidscan import media
from vidscan.errors import InputError
from vidscan.keyframes.frames import PictureSignature
from vidscan.types import VideoInfo


@pytest.fixture
def imageio_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the machine has no ffmpeg/ffprobe on PATH: vidscan must fall back to imageio-ffmpeg."""
    monkeypatch.setenv("PATH", "/nonexistent")
    media.find_tools.cache_clear()
    yield
    media.find_tools.cache_clear()


def test_probe_reads_size_fps_duration_and_audio() -> None:
    info = media.probe(str(shared_video("surveillance/intel_car-detection.mp4")))
    assert (info.width, info.height) == (768, 432)
    assert info.fps == pytest.approx(12.5, abs=0.01)
    assert info.duration == pytest.approx(30.2, abs=0.2)
    assert info.has_audio


def test_rotated_video_is_reported_in_display_orientation() -> None:
    info = media.probe(str(shared_video("edge_cases/psd_issue-134-rotate.mp4")))
    assert info.rotation in (90, 270)
    assert (info.width, info.height) == (544, 1280)  # stored 1280x544, shown portrait
    frame = media.grab_frame(info, 5.0).image
    assert frame.size == (544, 1280)


def test_probe_without_ffprobe_agrees_with_ffprobe(imageio_only: None) -> None:
    tools = media.find_tools()
    assert tools.source == "imageio-ffmpeg" and tools.ffprobe is None
    for clip in ("edge_cases/psd_issue-134-rotate.mp4", "surveillance/intel_car-detection.mp4"):
        info = media.probe(str(shared_video(clip)))
        media.find_tools.cache_clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PATH", "/usr/bin:/bin")
            reference = media.probe(str(shared_video(clip)))
        media.find_tools.cache_clear()
        assert (info.width, info.height, info.rotation, info.has_audio) == (
            reference.width,
            reference.height,
            reference.rotation,
            reference.has_audio,
        )
        assert info.duration == pytest.approx(reference.duration, abs=0.05)
        assert info.fps == pytest.approx(reference.fps, rel=0.01)


def test_decoding_with_imageio_ffmpeg_gives_upright_frames(imageio_only: None) -> None:
    info = media.probe(str(shared_video("edge_cases/psd_issue-134-rotate.mp4")))
    first = next(iter(media.decode_small(info, 320)))
    assert first.image.shape[0] > first.image.shape[1]  # portrait
    assert media.grab_frame(info, 1.0).image.size == (544, 1280)


def test_frame_timestamps_are_real_for_a_late_starting_stream() -> None:
    info = media.probe(str(shared_video("edge_cases/psd_delayed_start.mp4")))
    times = [f.time for f in media.decode_small(info, 160)]
    assert times[0] == pytest.approx(0.0, abs=0.05)  # reported from the start of the video stream
    assert all(b > a for a, b in zip(times, times[1:], strict=False))


def _late_video(tmp_path: Path) -> VideoInfo:
    """A 2-s video stream that starts 12,000 s into its file (an audio track starts at 0)."""
    inputs = ["-f", "lavfi", "-t", "0.1", "-i", "anullsrc=r=8000:cl=mono", "-itsoffset", "12000"]
    inputs += ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=30:duration=2"]
    audio = ["-map", "0:a", "-c:a", "pcm_s16le"]
    return media.probe(
        str(encode(tmp_path / "late.mkv", inputs, "[1:v]null", keyframe_every=30, extra=audio))
    )


def test_frame_times_keep_their_precision_hours_into_the_timeline(tmp_path: Path) -> None:
    # ffmpeg prints times 12,000 s into the file with 6 significant digits: in steps of 0.1 s there,
    # three frames to a time.
    info = _late_video(tmp_path)
    assert info.start_offset == pytest.approx(12000.0)
    times = [f.time for f in media.decode_small(info, 160)]
    assert len(times) == 60
    assert times == pytest.approx([n / 30 for n in range(60)], abs=0.002)  # mkv keeps milliseconds


def test_a_stream_that_starts_late_in_its_file_is_grabbed_at_its_own_times(tmp_path: Path) -> None:
    info = _late_video(tmp_path)
    frames = list(media.decode_small(info, 160))
    for frame in (frames[0], frames[31]):
        grabbed = media.grab_frame(info, frame.time, expect=PictureSignature.of_picture(frame.yuv))
        assert (grabbed.how, grabbed.exact, grabbed.time) == ("seek", True, pytest.approx(frame.time))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"this is a text file, not a video\n" * 50, "not a video"),
    ],
)
def test_not_a_video_is_one_clear_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected) as err:
        media.probe(str(path))
    assert "\n" not in str(err.value)


def test_missing_file_and_directory_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        media.probe(str(tmp_path / "nope.mp4"))
    with pytest.raises(InputError, match="directory"):
        media.probe(str(tmp_path))


def test_audio_only_file_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "tone.m4a"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=1", str(path)], check=True)
    with pytest.raises(InputError, match="no video stream"):
        media.probe(str(path))


def test_frame_times_wait_for_a_reader_the_machine_holds_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a machine loaded far beyond its cores, the thread that reads ffmpeg's frame times can be kept
    # from running for seconds. The times must still be each frame's own (a guessed time once put a
    # stretch's first frame at 0 s and shifted the rest by a frame: --iframes-first lost a cut).
    path = make_video(tmp_path / "v.mp4", [Shot("red", 1.0), Shot("blue", 1.0)], extra=["-g", "25"])
    info = media.probe(str(path))
    read = media._ShowinfoTimes._read

    def held_back(self: media._ShowinfoTimes, fd: int, tail: object) -> None:
        time.sleep(11)  # longer than the 10 s after which times used to be guessed
        read(self, fd, tail)  # type: ignore[arg-type]

    monkeypatch.setattr(media._ShowinfoTimes, "_read", held_back)
    times = [round(f.time, 2) for f in media.decode_small(info, 160, span=(1.0, 1.5))]
    assert times[:3] == [1.0, 1.04, 1.08], times


def test_name_with_leading_dash_and_spaces(tmp_path: Path) -> None:
    path = make_video(tmp_path / "-odd name 'q'.mp4", [Shot("red", 1.0)])
    info = media.probe(str(path))
    assert info.width == 320
    assert sum(1 for _ in media.decode_small(info, 64)) == 25


def test_detail_pictures_come_with_every_nth_frame_of_the_same_decode(tmp_path: Path) -> None:
    path = make_video(
        tmp_path / "shots.mp4", [Shot("red", 1.0), Shot("white", 1.0, pattern=False, flat=True)], "640x480"
    )
    info = media.probe(str(path))
    frames = list(media.decode_small(info, 160, detail_side=480, detail_step=3))
    assert len(frames) == 50
    with_detail = [f.number for f in frames if f.detail is not None]
    assert with_detail == list(range(0, 50, 3))
    for frame in frames:
        assert frame.size == (160, 120)
        if frame.detail is not None:
            assert frame.detail.shape == (360, 480)
            # The same picture: the detail, scaled down, matches the small frame's luma.
            small_luma = frame.yuv[:120].astype(float)
            detail_small = frame.detail.reshape(120, 3, 160, 3).mean(axis=(1, 3))
            expected = (small_luma - 16) * 255 / 219  # detail pictures are full-range grey
            assert abs(detail_small - expected).mean() < 12
    white = frames[39].detail  # 39 = 13 x 3, in the white shot
    assert white is not None and white.min() >= 250  # full range: white is 255, not 235


def test_stopping_early_with_detail_pictures_does_not_hang(tmp_path: Path) -> None:
    path = make_video(tmp_path / "long.mp4", [Shot("blue", 20.0)], "640x480")
    info = media.probe(str(path))
    started = time.monotonic()
    for frame in media.decode_small(info, 160, detail_side=480, detail_step=2):
        if frame.number == 5:
            break
    assert time.monotonic() - started < 10


def _decode_switching(path: Path, flips: dict[int, bool]) -> tuple[list[media.DecodedFrame], int]:
    """Frames of `path` with 320-px frames and 640-px detail pictures every 6th frame, the pictures
    switched at the frame numbers in `flips`; and the number of restarts."""
    switch = media.DetailSwitch()
    frames = []
    for frame in media.decode_switchable(media.probe(str(path)), 320, 640, 6, switch):
        frames.append(frame)
        switch.wanted = flips.get(frame.number, switch.wanted)
    return frames, switch.restarts


def _same_frames(frames: list[media.DecodedFrame], expected: list[media.DecodedFrame]) -> None:
    assert [f.number for f in frames] == list(range(len(expected)))
    assert [f.time for f in frames] == pytest.approx([f.time for f in expected], abs=1e-9)
    assert all(np.array_equal(f.yuv, e.yuv) for f, e in zip(frames, expected, strict=True))


def test_detail_pictures_switched_off_and_on_leave_every_frame_as_it_was() -> None:
    # An AVI with a coarse time base (1/10 s): the restarted decode's seek must land on the frame.
    path = shared_video("surveillance/opencv_vtest.avi")
    expected = list(media.decode_small(media.probe(str(path)), 320, 640, 6))
    frames, restarts = _decode_switching(path, {60: False, 200: True, 230: False})
    assert restarts == 3
    _same_frames(frames, expected)
    with_detail = [f.number for f in frames if f.detail is not None]
    assert with_detail == [*range(0, 61, 6), *range(204, 229, 6)]  # from the next 6th frame on
    for frame in frames:
        if frame.detail is not None:
            assert np.array_equal(frame.detail, expected[frame.number].detail)


def test_a_file_that_cannot_be_seeked_to_a_frame_is_decoded_again_with_the_pictures(tmp_path: Path) -> None:
    # MPEG-TS named .mp4: no index, so the seek lands somewhere near; nothing may be lost for it.
    lavfi = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=12"]
    path = encode(tmp_path / "stream.mp4", lavfi, "[0:v]null", keyframe_every=50, extra=["-f", "mpegts"])
    expected = list(media.decode_small(media.probe(str(path)), 320, 640, 6))
    frames, restarts = _decode_switching(path, {60: False, 200: True})
    _same_frames(frames, expected)
    assert restarts == 1  # then it does not switch again, and the pictures are back
    assert [f.number for f in frames if f.detail is not None] == [*range(0, 61, 6), *range(66, 300, 6)]


def test_a_file_gone_when_the_decode_restarts_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "walk.avi"
    shutil.copy(shared_video("surveillance/opencv_vtest.avi"), path)
    switch = media.DetailSwitch()
    with pytest.raises(InputError, match=r"could not be read again from 6\.60 s"):
        for frame in media.decode_switchable(media.probe(str(path)), 320, 640, 6, switch):
            if frame.number == 60:
                switch.wanted = False
                path.unlink()


def test_short_runs_use_the_quick_starting_ffmpeg_unless_the_user_chose_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import imageio_ffmpeg

    media.find_tools.cache_clear()
    try:
        if media.find_tools().source == "system":
            assert media.quick_ffmpeg() == imageio_ffmpeg.get_ffmpeg_exe()  # the static build
        chosen = media.find_tools().ffmpeg
        monkeypatch.setenv("VIDSCAN_FFMPEG", chosen)
        media.find_tools.cache_clear()
        assert media.quick_ffmpeg() == chosen
    finally:
        monkeypatch.delenv("VIDSCAN_FFMPEG", raising=False)
        media.find_tools.cache_clear()


def _decoded(info: VideoInfo, waiting: media.WaitingDecoder | None = None) -> list[tuple]:
    frames = media.decode_small(info, 160, detail_side=320, detail_step=3, waiting=waiting)
    return [
        (f.number, f.time, f.yuv.tobytes(), None if f.detail is None else f.detail.tobytes()) for f in frames
    ]


@pytest.mark.parametrize("detail", [True, False], ids=["fits", "lacks-the-detail-pictures"])
def test_an_ffmpeg_started_before_the_probe_decodes_what_one_started_after_would(detail: bool) -> None:
    """The keyframe pass's ffmpeg starts while the file is probed and gets its filters through a pipe;
    one started without the detail pictures the decode wants is ended, and the decode starts its own."""
    path = str(shared_video("surveillance/intel-sample-videos_person-bicycle-car-detection.mp4"))
    with media.WaitingDecoder(path, detail) as waiting:
        info = media.probe(path)
        early = _decoded(info, waiting)
    assert waiting.started and waiting.used == detail
    assert early == _decoded(info) and len(early) == 42


def test_an_ffmpeg_that_takes_no_filters_from_a_pipe_decodes_all_the_same(imageio_only: None) -> None:
    """imageio-ffmpeg's ffmpeg 9 has no -filter_complex_script: the decode starts its own ffmpeg, and
    vidscan stops starting one early for that binary."""
    path = str(shared_video("surveillance/intel-sample-videos_person-bicycle-car-detection.mp4"))
    with media.WaitingDecoder(path, detail=True) as waiting:
        info = media.probe(path)
        early = _decoded(info, waiting)  # whether ffmpeg has refused its options by now or refuses them later
    assert waiting.started
    assert early == _decoded(info) and len(early) == 42
    assert not media.WaitingDecoder(path, detail=True).started
