"""I-frames first decoded in-process with PyAV (media_pyav): the same keyframes and stretch frames as the
ffmpeg path gives, and ffmpeg taking over where PyAV is off, cannot hold a stretch, or fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.synthetic import crossing
from vidscan import media, media_pyav
from vidscan.keyframes import KeyframeOptions, select_keyframes
from vidscan.types import KeyframeSelection

pytest.importorskip("av")

ENTER, CROSS = 4.0, 5.0  # the figure's crossing (tests/synthetic.py)
# The two decoders scale with their own builds of swscale: the same frame differs by rounding only.
_ROUNDING = 1.0  # grey levels, on average over the picture


@pytest.fixture(scope="module")
def h264_b_frames(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Irregular keyframes with B-frames between them (an MP4 edit list shifts its timestamps).
    return crossing(
        tmp_path_factory.mktemp("pyav") / "h264.mp4", ENTER, CROSS,
        keyframes=["-g", "300", "-sc_threshold", "0", "-force_key_frames", "0,1.3,2.1,4.9,5.5,8.6,9.0"],
        codec=["-preset", "veryfast", "-bf", "3", "-crf", "26"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def hevc_open_gop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # CRA keyframes whose leading pictures (shown before them, decoded after them) refer to both GOPs.
    params = "log-level=error:keyint=30:min-keyint=30:scenecut=0:open-gop=1:bframes=4"
    return crossing(
        tmp_path_factory.mktemp("pyav") / "hevc.mp4", ENTER, CROSS,
        codec=["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", params, "-crf", "28"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def h264_ntsc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 24000/1001 frames/s counted in 1/24000 s, as MP4 writes it: a frame lasts 3,753.75 ticks of
    # MPEG-TS's 90 kHz clock, so the packet pipe rounds every timestamp.
    return crossing(
        tmp_path_factory.mktemp("pyav") / "ntsc.mp4", ENTER, CROSS,
        keyframes=["-g", "48"],
        codec=["-preset", "veryfast", "-bf", "3", "-crf", "26", "-r", "24000/1001",
               "-video_track_timescale", "24000"],
    )  # fmt: skip


_TICK = 1 / 90_000  # seconds: MPEG-TS's clock


def _same_pictures(
    ours: list[media.DecodedFrame], theirs: list[media.DecodedFrame], tolerance: float = 0.0
) -> None:
    if tolerance:  # the same frames, at times rounded to the pipe's clock
        assert len(ours) == len(theirs)
        assert all(abs(a.time - b.time) <= tolerance for a, b in zip(ours, theirs, strict=True))
    else:
        assert [round(f.time, 6) for f in ours] == [round(f.time, 6) for f in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.yuv.shape == b.yuv.shape
        assert np.abs(a.yuv.astype(np.int16) - b.yuv).mean() < _ROUNDING, a.time


@pytest.mark.parametrize(
    ("clip", "container"),
    [
        ("h264_b_frames", "mpegts"),
        ("hevc_open_gop", "mpegts"),
        ("h264_b_frames", "nut"),
        ("h264_ntsc", "mpegts"),
    ],
)
def test_keyframes_and_stretches_are_those_ffmpeg_decodes(
    clip: str, container: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if container == "nut":  # as for a stream longer than MPEG-TS's clock goes
        monkeypatch.setattr(media, "_TS_LONGEST", 0.0)
    info = media.probe(str(request.getfixturevalue(clip)))
    assert media.packet_container(info) == container
    reader = media_pyav.KeyframeReader(info, 320)
    try:
        keyframes = list(reader)
    finally:
        reader.close()
    # Exact where the file's clock lands on the pipe's ticks; within one (two roundings) elsewhere.
    tolerance = _TICK if clip == "h264_ntsc" else 0.0
    theirs_keys = list(media.decode_small(info, 320, keyframes_only=True))
    _same_pictures([key for key, _ in keyframes], theirs_keys, tolerance)
    assert keyframes[0][1] is None  # nothing before the first keyframe
    ends = [*(key.time for key, _ in keyframes), info.duration + 1.0]
    stretches = [(ends[i], ends[i + 1], packets) for i, (_, packets) in enumerate(keyframes[1:])]
    assert reader.tail is not None
    stretches.append((ends[-2], ends[-1], reader.tail))
    for first, last, packets in stretches:
        assert packets is not None
        ours = list(reader.stretch(packets, first, last))
        theirs = media.decode_small(info, 320, span=(first, last))
        _same_pictures(ours, [f for f in theirs if first + 1e-6 < f.time < last - 1e-6], tolerance)
        assert len(ours) == round((last - first) * info.frame_rate) - 1 or last > info.duration
    if clip == "hevc_open_gop":  # the leading pictures came with the stretch before their keyframe
        assert any(packets is not None and packets.lead for _, packets in keyframes)


def _keyframes(path: Path) -> KeyframeSelection:
    options = KeyframeOptions(iframes_first=True)
    return select_keyframes(media.probe(str(path)), options)


def _summary(selection: KeyframeSelection) -> list[tuple[float, str]]:
    return [(k.time, k.reason) for k in selection.keyframes]


def test_ffmpeg_takes_over_where_pyav_cannot(h264_b_frames: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_pyav = _keyframes(h264_b_frames)
    assert "4 of 6 keyframe gaps decoded" in with_pyav.strategy
    # Stretches too large to hold: each is decoded by an ffmpeg that seeks to it.
    with monkeypatch.context() as patch:
        patch.setattr(media_pyav, "_LARGEST", 0)
        assert _summary(_keyframes(h264_b_frames)) == _summary(with_pyav)
    # PyAV fails after the third keyframe: ffmpeg decodes the keyframes from there on.
    made = media_pyav.KeyframeReader._frame
    calls: list[float] = []

    def fail_at_the_fourth(reader: media_pyav.KeyframeReader, frame: object) -> media.DecodedFrame:
        calls.append(0.0)
        if len(calls) == 4:
            raise RuntimeError("a decoding error")
        return made(reader, frame)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(media_pyav.KeyframeReader, "_frame", fail_at_the_fourth)
        failed = _keyframes(h264_b_frames)
    # PyAV was used up to there (keyframes read after it may have been decoding meanwhile on PyAV's
    # keyframe thread; their pictures are dropped with the reader)
    assert len(calls) >= 4
    assert _summary(failed) == _summary(with_pyav) and failed.frames_decoded == with_pyav.frames_decoded


def test_without_pyav_the_command_line_gives_the_same_keyframes(h264_b_frames: Path) -> None:
    args = [sys.executable, "-m", "vidscan", "keyframes", "--iframes-first", "--json", str(h264_b_frames)]
    runs = []
    for pyav in ("1", "0"):
        env = {**os.environ, "VIDSCAN_PYAV": pyav}
        runs.append(
            json.loads(subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout)
        )
    with_pyav, without = runs
    assert [(k["time"], k["reason"]) for k in with_pyav["keyframes"]] == [
        (k["time"], k["reason"]) for k in without["keyframes"]
    ]
    assert with_pyav["strategy"] == without["strategy"]
    assert any(ENTER <= k["time"] <= ENTER + CROSS for k in without["keyframes"])


def test_a_stream_longer_than_the_transport_clock_goes_by_nut(h264_b_frames: Path) -> None:
    # MPEG-TS keeps no state as it is read, but its 33-bit 90 kHz clock wraps after 26.5 hours.
    info = media.probe(str(h264_b_frames))
    assert media.packet_container(replace(info, duration=24 * 3600.0)) == "mpegts"
    assert media.packet_container(replace(info, duration=27 * 3600.0)) == "nut"


def test_pyav_is_not_used_where_ffmpeg_must_decode(
    h264_b_frames: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = media.probe(str(h264_b_frames))
    assert media_pyav.usable(info, media.HardwareDecode("none"))
    assert not media_pyav.usable(info, media.HardwareDecode("vaapi"))  # ffmpeg's -hwaccel
    assert not media_pyav.usable(replace(info, rotation=90), None)  # ffmpeg turns the frames upright
    monkeypatch.setenv("VIDSCAN_PYAV", "0")
    assert not media_pyav.usable(info, None)
