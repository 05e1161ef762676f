"""The frame the model sees is the frame that was analysed, as a viewer sees it: grabs on files where
seeking lies, and anamorphic clips."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import run_cli
from tests.fake_ollama import FakeOllama
from tests.synthetic import FONT, clock_jump, encode
from vidscan import media
from vidscan.backends import make_backend
from vidscan.calls import ModelCaller
from vidscan.caption import Captioner, CaptionJob
from vidscan.keyframes.frames import PictureSignature
from vidscan.profiles import load_profile
from vidscan.progress import Progress
from vidscan.types import Keyframe, VideoInfo

# Each frame shows its number over a moving test pattern: grabbed frames can be checked by eye.
_NUMBERED = (
    f"drawtext=fontfile={FONT}:text='%{{n}}':x=100:y=80:fontsize=60:fontcolor=white:box=1:boxcolor=black"
)


def _numbered_clip(path: Path, seconds: float, codec: list[str]) -> Path:
    lavfi = ["-f", "lavfi", "-i", f"testsrc2=s=320x240:r=25:d={seconds}"]
    return encode(path, lavfi, f"[0:v]{_NUMBERED}", keyframe_every=25, extra=codec)


def _avi_starting_on_a_non_keyframe(tmp_path: Path) -> Path:
    """MPEG-4 part 2 with B-frames in AVI, cut with stream copy 1.3 s in: the file starts 0.7 s before its
    first keyframe (as a recording cut from a longer one does). The decoder makes its first pictures
    from nothing: a plain seek into them gives a flat grey picture, not what a decode from the start
    (the analysis) gives."""
    whole = _numbered_clip(tmp_path / "whole.avi", 4, ["-c:v", "mpeg4", "-bf", "2", "-q:v", "4"])
    cut = tmp_path / "cut.avi"
    copy = ["-ss", "1.3", "-c", "copy", "-copyinkf", str(cut)]  # -copyinkf: keep the frames before a keyframe
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(whole), *copy], check=True
    )
    return cut


def _open_gop_mp4(tmp_path: Path) -> Path:
    """H.264 with open GOPs in MP4: the B-frames shown just before each keyframe after the first are
    decoded after it and refer to the group before; a seek lands on that keyframe, and the decoder
    drops them (a plain grab gives the next frame)."""
    x264 = ["-preset", "fast", "-bf", "3", "-x264-params", "open-gop=1:scenecut=0"]
    return _numbered_clip(tmp_path / "open-gop.mp4", 4, x264)


def _analysed(info: VideoInfo) -> dict[float, media.DecodedFrame]:
    """The analysis pictures (decode_small from the start, as keyframe selection decodes), by time."""
    return {frame.time: frame for frame in media.decode_small(info, 320)}


def _difference(image: Image.Image, analysed: media.DecodedFrame) -> float:
    """Mean grey-level difference between a full-size grab, scaled to the analysis size, and the analysis
    picture (the same frame differs by under 1 level, the next frame of this pattern by 7)."""
    small = np.asarray(image.resize(analysed.size, Image.Resampling.BILINEAR), np.float64)
    return float(np.abs(small - analysed.image[:, :, ::-1]).mean())


def _seek_gives(info: VideoInfo, t: float, analysed: media.DecodedFrame) -> bool:
    """Whether one seek to the frame at `t` (grab_frame's first try) gives its analysis picture."""
    got, _ = media._grab_once(info, t - 0.001, t - 0.001, None)
    return got is not None and got[1] == pytest.approx(t) and _difference(got[0], analysed) < 3


def _expect(frame: media.DecodedFrame) -> PictureSignature:
    return PictureSignature.of_picture(frame.yuv)


def test_a_stream_that_starts_on_a_non_keyframe_gives_the_analysed_pictures(tmp_path: Path) -> None:
    info = media.probe(str(_avi_starting_on_a_non_keyframe(tmp_path)))
    analysed = _analysed(info)
    # Frames before the first keyframe (0.76 s), and one after it.
    times = [t for t in sorted(analysed) if 0.2 <= t <= 0.7][::4] + [1.2]
    lied = [t for t in times if not _seek_gives(info, t, analysed[t])]
    assert lied == times[:-1]  # the clip is one where seeking lies
    for t in times:
        grabbed = media.grab_frame(info, t, expect=_expect(analysed[t]))
        assert grabbed.exact and grabbed.time == pytest.approx(t, abs=1e-6)
        assert _difference(grabbed.image, analysed[t]) < 3, t
        assert grabbed.how == ("seek" if t not in lied else "from-start")


def test_a_leading_frame_of_an_open_gop_is_decoded_from_the_keyframe_before(tmp_path: Path) -> None:
    info = media.probe(str(_open_gop_mp4(tmp_path)))
    analysed = _analysed(info)
    leading = 2.96  # frame 74, shown just before the keyframe at 3.0 s, decoded after it
    assert not _seek_gives(info, leading, analysed[leading])
    assert media.grab_frame(info, leading).time == pytest.approx(3.0)  # unchecked, the seek gives frame 75
    grabbed = media.grab_frame(info, leading, expect=_expect(analysed[leading]))
    assert (grabbed.how, grabbed.exact, grabbed.time) == ("from-keyframe", True, pytest.approx(leading))
    assert _difference(grabbed.image, analysed[leading]) < 3


def test_after_a_jump_in_a_transport_streams_clock_the_analysed_frames_are_grabbed(tmp_path: Path) -> None:
    # Two recordings in one transport stream, the second stamped ten minutes after the first (a
    # recorder restarted): ffmpeg's decode closes the gap up, and the analysis counts its frames on
    # from the first recording's end. A grab must give those frames, not the ones the file's own clock
    # puts at those times.
    clips = [_numbered_clip(tmp_path / f"{i}.mp4", 2, []) for i in range(2)]
    joined = clock_jump(tmp_path / "jump.ts", clips)
    info = media.probe(str(joined))
    analysed = _analysed(info)
    after = sorted(analysed)[len(analysed) * 3 // 4]  # in the second recording
    assert after < 10.0
    grabbed = media.grab_frame(info, after, expect=_expect(analysed[after]))
    assert grabbed.exact and _difference(grabbed.image, analysed[after]) < 3


def test_the_frames_of_an_ordinary_clip_take_one_seek(tmp_path: Path) -> None:
    info = media.probe(str(_numbered_clip(tmp_path / "plain.mp4", 3, ["-bf", "3"])))
    analysed = _analysed(info)
    for t in (0.0, 0.48, 1.0, 1.52, 2.96):
        grabbed = media.grab_frame(info, t, expect=_expect(analysed[t]))
        assert (grabbed.how, grabbed.exact) == ("seek" if t else "from-start", True)
        assert _difference(grabbed.image, analysed[t]) < 3


@pytest.mark.parametrize("lie", ["grey picture", "next frame"])
def test_a_first_grab_that_disagrees_is_detected_and_grabbed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lie: str
) -> None:
    """On a file where seeking works, the first grab is made to lie as seeks do on others: a grey picture
    at the right time, or the right picture's neighbour."""
    info = media.probe(str(_numbered_clip(tmp_path / "plain.mp4", 3, [])))
    analysed = _analysed(info)
    t = 2.0
    honest = media._grab_once
    calls: list[float] = []

    def lying(
        info: VideoInfo, seek: float, take_from: float, size: tuple[int, int] | None, crop: media.Crop | None
    ) -> tuple[tuple[Image.Image, float, np.ndarray | None] | None, str]:
        calls.append(seek)
        got, error = honest(info, seek, take_from, size, crop)
        if len(calls) > 1 or got is None:
            return got, error
        image, time, small = got
        if lie == "grey picture":
            grey = np.full_like(small, 128)
            return (Image.new("RGB", image.size, (128, 128, 128)), time, grey), error
        return honest(info, seek, take_from + 0.04, size, crop)

    monkeypatch.setattr(media, "_grab_once", lying)
    grabbed = media.grab_frame(info, t, expect=_expect(analysed[t]))
    assert len(calls) == 2 and calls[1] < calls[0]  # seeked again, further back
    assert (grabbed.how, grabbed.exact, grabbed.time) == ("from-keyframe", True, pytest.approx(t))
    assert _difference(grabbed.image, analysed[t]) < 3


def test_the_picture_check_tells_the_analysed_frame_from_grey_and_from_another_shot(tmp_path: Path) -> None:
    path = encode(
        tmp_path / "two.mp4",
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=25:d=2",
            "-f",
            "lavfi",
            "-i",
            "color=c=0x3050a0:s=320x240:d=1",
        ],
        "[1:v]fps=25,drawbox=x=40:y=40:w=80:h=60:c=yellow:t=fill[b];[0:v][b]concat=n=2:v=1:a=0",
        keyframe_every=25,
    )
    info = media.probe(str(path))
    analysed = _analysed(info)
    pattern, other_shot = analysed[1.0], analysed[2.52]
    grabbed = media.grab_frame(info, 1.0, expect=_expect(pattern))
    assert grabbed.exact
    signature = _expect(pattern)
    assert signature.matches(pattern.yuv)
    assert not signature.matches(np.full_like(pattern.yuv, 128))  # a picture never decoded
    assert not signature.matches(other_shot.yuv)


def test_a_frame_that_even_a_decode_from_the_start_cannot_match_is_sent_and_said(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    """The keyframe says it looked like another frame: every way of grabbing disagrees. The frame at its
    time is still described, and the run says so in its log; the run stays complete (no caption is
    missing)."""
    info = media.probe(str(_numbered_clip(tmp_path / "plain.mp4", 3, [])))
    analysed = _analysed(info)
    elsewhere = _expect(analysed[0.0])
    keyframes = [
        Keyframe(
            0,
            2.0,
            "cut",
            (0.0, 2.0),
            phash=elsewhere.phash,
            colour=elsewhere.colour,
            analysis_size=(320, 240),
        ),
        Keyframe(1, 2.48, "cut", (2.0, 3.0), **_measured(analysed[2.48])),
    ]
    frames_dir = tmp_path / "report" / "frames"
    frames_dir.mkdir(parents=True)
    log, problems = io.StringIO(), list[str]()
    caller = ModelCaller(make_backend("ollama", fake_ollama.url))
    job = CaptionJob(model="qwen2.5vl:3b", profile=load_profile("general"))
    with Captioner(caller, job, info, frames_dir, True, Progress("log", log), problems) as captioner:
        results, _ = captioner.finish(keyframes)
    assert all(r.caption is not None for r in results) and not problems
    said = [line for line in log.getvalue().splitlines() if "does not look as it did" in line]
    assert len(said) == 1 and "0:02.0" in said[0]
    for result in results:  # both saved frames (JPEG) are the frames at their times
        saved = Image.open(frames_dir.parent / result.image)
        assert (
            min(analysed.values(), key=lambda frame: _difference(saved, frame)).time == result.keyframe.time
        )


def _measured(frame: media.DecodedFrame) -> dict:
    signature = _expect(frame)
    return {"phash": signature.phash, "colour": signature.colour, "analysis_size": signature.size}


def _anamorphic_clip(path: Path, rotate: int = 0) -> Path:
    """704x576 stored with 16:11 pixels (PAL 16:9): a red square, 176x256 stored pixels, looks square."""
    lavfi = ["-f", "lavfi", "-i", "color=c=white:s=704x576:r=25:d=2"]
    box = "drawbox=x=264:y=160:w=176:h=256:c=red:t=fill,setsar=16/11"
    path = encode(path, lavfi, f"[0:v]{box}", keyframe_every=25)
    if rotate:  # a display rotation on top: the player turns the widened picture
        turned = path.with_name(f"turned-{path.name}")
        meta = ["-c", "copy", "-metadata:s:v:0", f"rotate={rotate}"]
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-i", str(path), *meta, str(turned)], check=True
        )
        return turned
    return path


def _red_box(picture: np.ndarray) -> tuple[int, int]:
    """(width, height) of the red area of an RGB picture."""
    red = (picture[:, :, 0] > 180) & (picture[:, :, 1] < 90) & (picture[:, :, 2] < 90)
    ys, xs = np.nonzero(red)
    return int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


@pytest.mark.parametrize(("rotate", "display"), [(0, (1024, 576)), (90, (576, 1024))])
def test_an_anamorphic_clip_is_analysed_and_grabbed_as_a_viewer_sees_it(
    tmp_path: Path, rotate: int, display: tuple[int, int]
) -> None:
    info = media.probe(str(_anamorphic_clip(tmp_path / "pal.mp4", rotate)))
    assert (info.width, info.height) == display  # 16:9, or 9:16 turned
    analysed = next(iter(media.decode_small(info, 320)))
    assert analysed.size == (display[0] * 320 // 1024, display[1] * 320 // 1024)
    grabbed = media.grab_frame(info, 1.0, expect=_expect(analysed))
    assert grabbed.image.size == display and grabbed.exact
    for picture, side in ((np.asarray(grabbed.image), 256), (analysed.image[:, :, ::-1], 80)):
        width, height = _red_box(picture)
        assert width == pytest.approx(side, abs=2) and height == pytest.approx(side, abs=2)  # square


def test_probe_reads_the_pixel_shape_with_and_without_ffprobe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _anamorphic_clip(tmp_path / "pal.mp4")
    with_ffprobe = media.probe(str(path))
    monkeypatch.setenv("PATH", "/nonexistent")  # imageio-ffmpeg's binary: `ffmpeg -i` says [SAR 16:11 ...]
    media.find_tools.cache_clear()
    try:
        assert media.find_tools().ffprobe is None
        without = media.probe(str(path))
    finally:
        media.find_tools.cache_clear()
    assert (with_ffprobe.width, with_ffprobe.height) == (without.width, without.height) == (1024, 576)


def test_the_model_and_the_report_get_an_anamorphic_clip_at_16_9(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    clip = _anamorphic_clip(tmp_path / "pal.mp4")
    result = run_cli("analyze", str(clip), "--out", str(tmp_path / "out"), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "out" / "pal" / "report.json").read_text())
    assert (report["video"]["width"], report["video"]["height"]) == (1024, 576)
    for kf in report["keyframes"]:
        # The fake describes the size of the image it received (downscaled to at most 1024 px).
        assert kf["caption"]["description"].startswith("A 1024x576 frame")
        assert Image.open(tmp_path / "out" / "pal" / kf["image"]).size == (1024, 576)


def _interlaced_clip(path: Path) -> Path:
    """720x480 coded interlaced at 29.97 frames/s from 59.94 pictures/s, top field first (as a DVR
    records an analog camera): a white bar crosses a dark room at 300 px/s, so its two fields of each
    frame lie 5 px apart."""
    lavfi = ["-f", "lavfi", "-i", "color=c=0x303030:s=720x480:r=60000/1001:d=3"]
    lavfi += ["-f", "lavfi", "-i", "color=c=white:s=80x200:r=60000/1001:d=3"]
    graph = "[0:v][1:v]overlay=x='40+t*300':y=140,tinterlace=mode=interleave_top,setfield=tff"
    flags = ["-flags", "+ilme+ildct", "-x264opts", "tff=1"]
    return encode(path, lavfi, graph, keyframe_every=30, extra=flags)


def _combs(picture: np.ndarray) -> float:
    """How far each line of a grey picture stands from the mean of the lines above and below it, at most
    over its columns: a moving edge shown as stored alternates between its two fields' places."""
    grey = picture.astype(np.float32).mean(axis=2)
    return float(np.abs(grey[1:-1] - (grey[:-2] + grey[2:]) / 2).mean(axis=0).max())


def test_an_interlaced_clip_is_grabbed_with_its_fields_made_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _interlaced_clip(tmp_path / "dvr.mp4")
    info = media.probe(str(path))
    assert info.interlaced
    with monkeypatch.context() as without_ffprobe:
        without_ffprobe.setenv("PATH", "/nonexistent")  # imageio-ffmpeg's: `ffmpeg -i` says "(top first)"
        media.find_tools.cache_clear()
        try:
            assert media.find_tools().ffprobe is None and media.probe(str(path)).interlaced
        finally:
            media.find_tools.cache_clear()
    analysed = {round(f.time, 2): f for f in media.decode_small(info, 320)}
    frame = analysed[1.5]
    grabbed = media.grab_frame(info, frame.time, expect=_expect(frame))
    assert grabbed.exact and grabbed.image.size == (720, 480)
    # The frame as stored, for comparison: its bar's edges comb (a column of lines 255/48 in turn).
    stored = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-copyts", "-i", str(path), "-vf", f"select='gte(t,{frame.time})'"]
        + ["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    as_stored = np.frombuffer(stored, np.uint8).reshape(480, 720, 3)
    assert _combs(as_stored) > 60
    assert _combs(np.asarray(grabbed.image)) < 10
