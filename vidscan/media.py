"""The one ffmpeg wrapper: find the binaries, probe a file, decode small frames, grab one full frame.

ffmpeg command lines are built with ffmpeg-python and run with subprocess so that we control pipes,
stderr and errors. When the system has no ffmpeg, the static binary shipped by imageio-ffmpeg is used;
it has no ffprobe, so probing then parses `ffmpeg -i` output instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import math
import os
import queue
import re
import shutil
import statistics
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from .errors import FfmpegError, InputError
from .types import VideoInfo

# ffmpeg-python, numpy, OpenCV and Pillow load in the functions that use them: `vidscan doctor` needs only
# find_tools, and a keyframe pass starts ffmpeg before OpenCV has loaded.
if TYPE_CHECKING:
    import numpy as np
    from PIL import Image


@dataclass(frozen=True)
class Tools:
    ffmpeg: str
    ffprobe: str | None  # None with imageio-ffmpeg's static binary
    source: str  # "system", "imageio-ffmpeg" or "VIDSCAN_FFMPEG"


@lru_cache(maxsize=1)
def find_tools() -> Tools:
    """The ffmpeg to use: $VIDSCAN_FFMPEG, else the system's, else imageio-ffmpeg's static build."""
    override = os.environ.get("VIDSCAN_FFMPEG")
    if override:
        if not (Path(override).is_file() and os.access(override, os.X_OK)):
            raise FfmpegError(f"VIDSCAN_FFMPEG={override} is not an executable file")
        beside = Path(override).with_name("ffprobe")
        return Tools(override, str(beside) if beside.is_file() else None, "VIDSCAN_FFMPEG")
    system = shutil.which("ffmpeg")
    if system:
        return Tools(system, shutil.which("ffprobe"), "system")
    try:
        import imageio_ffmpeg

        return Tools(imageio_ffmpeg.get_ffmpeg_exe(), None, "imageio-ffmpeg")
    except (ImportError, RuntimeError) as exc:
        raise FfmpegError(
            "ffmpeg not found: install it (Debian/Ubuntu: sudo apt-get install ffmpeg) "
            "or `pip install imageio-ffmpeg`"
        ) from exc


def quick_ffmpeg() -> str:
    """The ffmpeg for many short runs (a few seconds of video each): imageio-ffmpeg's static build
    starts in 0.03 s where a shared build such as Debian's spends 0.15-0.2 s loading its libraries.
    A VIDSCAN_FFMPEG the user set is always used."""
    tools = find_tools()
    return (_static_ffmpeg() or tools.ffmpeg) if tools.source == "system" else tools.ffmpeg


@lru_cache(maxsize=1)
def _static_ffmpeg() -> str | None:
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return None


def ffmpeg_version(tools: Tools) -> str:
    out = subprocess.run([tools.ffmpeg, "-version"], capture_output=True, text=True, check=False).stdout
    first = out.splitlines()[0] if out else ""
    match = re.match(r"ffmpeg version (\S+)", first)
    return match.group(1) if match else first


def check_readable(path: str) -> Path:
    """One-line errors for the input problems a user can fix, before ffmpeg sees the file."""
    p = Path(path)
    if not p.exists():
        if re.match(r"^[a-z][a-z0-9+.-]*://", path, re.I):  # an address, not a file
            raise InputError(f"{path}: vidscan reads video files on this machine; download it first")
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not a video file")
    if not os.access(p, os.R_OK):
        raise InputError(f"{path}: permission denied (cannot read the file)")
    if p.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    return p


def _input_arg(path: str) -> str:
    # A name starting with "-" would be read as an option; "file:" also stops "x:y" being read as a protocol.
    return "file:" + str(Path(path).absolute())


def probe(path: str) -> VideoInfo:
    """Duration, fps, display size, rotation and audio of a video file."""
    return start_probe(path).result()


def start_probe(path: str) -> PendingProbe:
    """probe(), started: ffprobe reads the file (0.07 s, most of it loading its libraries) while the
    caller goes on until result()."""
    check_readable(path)
    return PendingProbe(path, find_tools())


class PendingProbe:
    """A probe under way (see start_probe)."""

    def __init__(self, path: str, tools: Tools) -> None:
        self.path, self._tools = path, tools
        self._ffprobe: subprocess.Popen[bytes] | None = None
        if tools.ffprobe:
            # The first packets' timestamps too (a few ms of reading): the stream's own frame interval,
            # which the average over the file hides when the recording has gaps (see _steady_rate).
            command = [
                tools.ffprobe,
                "-show_format",
                "-show_streams",
                "-show_entries",
                "packet=stream_index,pts_time",
            ]
            command += ["-read_intervals", f"%+#{_RATE_PACKETS}", "-of", "json", _input_arg(path)]
            self._ffprobe = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
            )

    def result(self) -> VideoInfo:
        if self._ffprobe is None:
            return _probe_with_ffmpeg(self.path, self._tools.ffmpeg)
        out, err = self._ffprobe.communicate()
        if self._ffprobe.returncode:
            raise _not_a_video(self.path, err.decode("utf-8", "replace"))
        return _ffprobe_info(self.path, json.loads(out))


def _not_a_video(path: str, detail: str) -> InputError:
    if "moov atom not found" in detail and _mp4_boxes(path):
        # An MP4 or MOV whose index is written last, when the recording ends: it never ended.
        return InputError(
            f"{path}: an MP4/MOV whose index (moov) was never written, so no player can read it: a recording "
            "that was not finished (power lost, the recorder stopped, a copy cut off). A repair tool such as "
            "untrunc can rebuild the index from a whole file of the same camera"
        )
    detail = detail.strip().splitlines()[-1] if detail.strip() else "no video stream"
    detail = detail.replace(_input_arg(path), "").strip(": ")
    return InputError(f"{path}: not a video file ffmpeg can read ({detail})")


def _mp4_boxes(path: str) -> bool:
    """Whether the file starts as an MP4 or MOV does: with one of their boxes (ffmpeg also says its index
    is missing of any file named .mp4 that is no video at all)."""
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except OSError:
        return False
    return head[4:8] in (b"ftyp", b"mdat", b"moov", b"free", b"skip", b"wide", b"pnot")


def _rate(text: str | None) -> float:
    if not text or text in ("0/0", "N/A"):
        return 0.0
    if "/" in text:
        num, den = text.split("/", 1)
        return float(num) / float(den) if float(den) else 0.0
    return float(text)


# Packets read at the start for the stream's own frame interval: a second or more of video at up to 60
# frames/s, with its audio beside it.
_RATE_PACKETS = 96
# A stream is steady (a camera's or a constant-rate encode's; a GIF or a screen recorder that sends a frame
# only when the picture changes is not) when _STEADY of its frame intervals, once _STEADY_AFTER have come,
# are regular: in the first packets, within _STEADY_TOLERANCE of their median (then the average rate over
# the file is its rate unless it has gaps); as they come (Cadence), within half again the shortest.
_STEADY = 0.9
_STEADY_AFTER = 8
_STEADY_TOLERANCE = 0.25


def _steady_rate(packets: list[dict], index: int) -> float:
    """Frames per second of the stream numbered `index` when its first `packets` come at a steady
    interval, else 0."""
    times = sorted(_seconds(p.get("pts_time")) for p in packets if p.get("stream_index") == index)
    steps = [b - a for a, b in zip(times, times[1:], strict=False) if b - a > 1e-6 and math.isfinite(b - a)]
    if len(steps) < _STEADY_AFTER:
        return 0.0
    median = statistics.median(steps)
    steady = sum(abs(step - median) <= _STEADY_TOLERANCE * median for step in steps)
    return round(1.0 / median, 3) if steady >= _STEADY * len(steps) else 0.0


def _seconds(text: object) -> float:
    try:
        return float(str(text))
    except ValueError:
        return math.nan


def _frame_rate(video: dict, packets: list[dict]) -> float:
    """The stream's frame rate: its average over the file (a variable-rate stream's frames per second),
    unless its first frames come steadily and much faster than that: a camera recorded with gaps (a
    recorder that records on motion only, or lost the camera for a while), whose average counts the gaps
    as time and would make every detector's sense of time as wrong."""
    average = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
    steady = _steady_rate(packets, int(video.get("index", 0)))
    return steady if steady > 1.5 * average else average


def _sample_aspect(text: str | None) -> float:
    """The shape of a stored pixel (width / height) from "16:11"; 1 when unknown ("0:1", "N/A")."""
    num, _, den = (text or "").partition(":")
    try:
        return float(num) / float(den) if float(num) > 0 and float(den) > 0 else 1.0
    except ValueError:
        return 1.0


def _display_size(width: int, height: int, sample_aspect: float, rotation: int) -> tuple[int, int]:
    """The size a player shows: anamorphic pixels (704x576 stored with 16:11 pixels) widened to square ones
    (1024x576, 16:9), keeping every stored line, then turned by the rotation."""
    width = max(1, round(width * sample_aspect)) if width else 0
    return (height, width) if rotation in (90, 270) else (width, height)


def _ffprobe_info(path: str, data: dict) -> VideoInfo:
    """The VideoInfo in ffprobe's JSON (-show_format -show_streams)."""
    streams = data.get("streams", [])
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        ),
        None,
    )
    if video is None:
        raise _not_a_video(path, "it has no video stream")
    rotation = 0
    for side in video.get("side_data_list", []) or []:
        if "rotation" in side:
            rotation = int(round(-float(side["rotation"]))) % 360
    if "rotate" in video.get("tags", {}):
        rotation = int(video["tags"]["rotate"]) % 360
    fmt = data.get("format", {})
    duration = float(fmt.get("duration") or video.get("duration") or 0.0)
    fps = _frame_rate(video, data.get("packets") or [])
    stored = int(video.get("width") or 0), int(video.get("height") or 0)
    width, height = _display_size(*stored, _sample_aspect(video.get("sample_aspect_ratio")), rotation)
    stream_start = float(video.get("start_time") or 0.0)
    file_start = float(fmt.get("start_time") or 0.0)
    frames = video.get("nb_frames")
    return VideoInfo(
        path=path,
        duration=duration,
        width=width,
        height=height,
        fps=fps,
        rotation=rotation,
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
        codec=str(video.get("codec_name", "")),
        frame_count=int(frames) if frames and str(frames).isdigit() else None,
        start_offset=max(0.0, stream_start - file_start),
        interlaced=str(video.get("field_order", "")) in _FIELD_ORDERS,
        bottom_first=str(video.get("field_order", "")) in ("bb", "tb"),  # tb: top coded, bottom shown first
    )


_FIELD_ORDERS = {"tt", "bb", "tb", "bt"}  # ffprobe's field_order of an interlaced stream


_DURATION_RE = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO_RE = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
_FPS_RE = re.compile(r"([\d.]+)(k?) fps")
_TBR_RE = re.compile(r"([\d.]+)(k?) tbr")
_ROTATION_RE = re.compile(r"rotation of (-?[\d.]+) degrees")
_SAR_RE = re.compile(r"\[SAR (\d+:\d+) DAR")
_INTERLACED_RE = re.compile(r"\b(?:top|bottom)( coded)? first\b")  # `ffmpeg -i`'s field order


def _probe_with_ffmpeg(path: str, ffmpeg_bin: str) -> VideoInfo:
    """Probe without ffprobe: `ffmpeg -i FILE` prints the same facts on stderr."""
    proc = subprocess.run(
        [ffmpeg_bin, "-hide_banner", "-nostdin", "-i", _input_arg(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    text = proc.stderr
    video_line = next(
        (line for line in text.splitlines() if _VIDEO_RE.search(line) and "attached pic" not in line), None
    )
    if video_line is None:
        detail = text if "Invalid data" in text or "moov atom" in text else "it has no video stream"
        raise _not_a_video(path, detail)
    match = _VIDEO_RE.search(video_line)
    assert match is not None
    codec, raw_w, raw_h = match.group(1), int(match.group(2)), int(match.group(3))
    fps = 0.0
    for rate_re in (_FPS_RE, _TBR_RE):
        rate = rate_re.search(video_line)
        if rate:
            fps = float(rate.group(1)) * (1000 if rate.group(2) else 1)
            break
    rot = _ROTATION_RE.search(text)
    rotation = int(round(-float(rot.group(1)))) % 360 if rot else 0
    dur = _DURATION_RE.search(text)
    duration = int(dur.group(1)) * 3600 + int(dur.group(2)) * 60 + float(dur.group(3)) if dur else 0.0
    sar = _SAR_RE.search(video_line)
    width, height = _display_size(raw_w, raw_h, _sample_aspect(sar.group(1) if sar else None), rotation)
    return VideoInfo(
        path=path,
        duration=duration,
        width=width,
        height=height,
        fps=fps,
        rotation=rotation,
        has_audio=bool(re.search(r"Stream #\d+:\d+.*?: Audio:", text)),
        codec=codec,
        interlaced=bool(_INTERLACED_RE.search(video_line)),
        bottom_first=bool(re.search(r"bottom first|top coded first \(swapped\)", video_line)),
    )


# The part of the upright picture a pass analyses, as shares of its width and height: left, top, width,
# height (the picture inside black bars, see keyframes/frames.Matte). Shares, so that ffmpeg's crop
# filter takes the same part of the stored frame whatever its pixels' aspect.
Crop = tuple[float, float, float, float]


def analysis_size(info: VideoInfo, long_side: int, crop: Crop | None = None) -> tuple[int, int]:
    """A small even frame size with the video's display aspect ratio (of its `crop`, if given)."""
    w, h = max(info.width, 2), max(info.height, 2)
    if crop is not None:
        w, h = max(2, round(w * crop[2])), max(2, round(h * crop[3]))
    scale = min(1.0, long_side / max(w, h))
    return max(2, int(round(w * scale / 2)) * 2), max(2, int(round(h * scale / 2)) * 2)


_NO_DEBLOCKING = 4  # keyframes scaled down this much or more skip the deblocking filter (decode_small)


# A steady stream (_STEADY) whose next frame comes _GAP_FRAMES of its frame intervals late, and _GAP_SECONDS
# or more, was not recording in between: a recorder that records on motion only, a camera lost for a while.
# Encoders drop a frame or two when busy, not ten; a picture held two seconds is on screen, however stored.
_GAP_FRAMES = 10
_GAP_SECONDS = 2.0


class Cadence:
    """A stream's frame intervals as they come, and the stretches a steady one did not record (`gaps`,
    (start, end) in seconds). A few numbers however long the stream."""

    def __init__(self, interval: float) -> None:
        self.finest = interval  # the stream's own frame interval: its shortest so far
        self._intervals = 0
        self._regular = 0  # intervals of about the finest
        self.gaps: list[tuple[float, float]] = []

    def gap(self, step: float, shown_until: float, resumed: float, rendered: bool = False) -> bool:
        """Whether the `step` seconds to the next frame are a stretch not recorded, from `shown_until`
        (the last frame's time) to `resumed` (the next frame's); `rendered`: the last picture is a
        screen's, which a screen recorder holds while nothing changes."""
        if self._missing(step) and not rendered:
            self.gaps.append((round(shown_until + self.finest, 3), round(resumed, 3)))
            return True
        return False

    def keyframes(self, start: float, frames: int, end: float) -> None:
        """Two keyframes at `start` and `end` seconds with `frames` frames from the first up to the second:
        where they hold much less than the time between them, the recording stopped after those frames
        and resumed at the second keyframe (a recorder starts each recording with one). Timestamps in
        between are not trusted: a transport stream's demuxer smooths a jump over the frames after it."""
        recorded = start + frames * self.finest
        if self._steady() and end - recorded >= self._least_gap():
            self.gaps.append((round(recorded, 3), round(end, 3)))

    def see(self, step: float) -> None:
        """One frame interval of a stream whose gaps are found by keyframes()."""
        if step < self._least_gap():
            self._missing(step)

    def _missing(self, step: float) -> bool:
        self.finest = min(self.finest, step) if step > 0 else self.finest
        if self._steady() and step >= self._least_gap():
            return True
        self._intervals += 1
        self._regular += step <= 1.5 * self.finest
        return False

    def _steady(self) -> bool:
        return self._intervals >= _STEADY_AFTER and self._regular >= _STEADY * self._intervals

    def _least_gap(self) -> float:
        return max(_GAP_SECONDS, _GAP_FRAMES * self.finest)


@dataclass(frozen=True)
class DecodedFrame:
    number: int  # 0, 1, 2... in decoding order (iframes.sparse_frames renumbers: time x fps)
    time: float  # seconds from the start of the video stream
    yuv: np.ndarray  # I420 as decoded (BT.601, limited range): shape (h * 3 // 2, w), uint8
    detail: np.ndarray | None = None  # full-range grey at the detail size, on every detail_step-th frame
    keyframe: bool = False  # a keyframe of a sparse decode (iframes.sparse_frames): always looked at

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.yuv.shape[1], self.yuv.shape[0] * 2 // 3

    @property
    def image(self) -> np.ndarray:
        """BGR, shape (h, w, 3)."""
        import cv2

        return cv2.cvtColor(self.yuv, cv2.COLOR_YUV2BGR_I420)


# showinfo prints pts_time with 6 significant digits (after 2.8 hours, in steps of 0.1 s: three frames of a
# 30 frames/s video share a time): the time is the integer pts times the time base it prints at the start.
_PTS_RE = re.compile(rb"\bn:\s*\d+\s+pts:\s*(-?\d+)\s+pts_time:(-?[\d.e+-]+)")
_TIME_BASE_RE = re.compile(rb"config in time_base:\s*(\d+)/(\d+)")


class HardwareDecode:
    """The hardware decoder asked for (`--hwaccel`: "auto", a name ffmpeg knows such as "vaapi" or
    "cuda", or "none"), and what became of it. When ffmpeg cannot start with it (no such device, a
    name it does not know), the decode starts again in software, `failed` says why, and every later
    decode of the run is software."""

    def __init__(self, name: str = "none") -> None:
        self.name = name
        self.failed = ""

    @property
    def active(self) -> bool:
        return self.name != "none" and not self.failed

    def describe(self) -> str:
        """What decoded the video, for the report."""
        if self.name == "none":
            return "software"
        return f"software (--hwaccel {self.name} failed)" if self.failed else f"--hwaccel {self.name}"


def _hardware_error(lines: Iterable[str]) -> str:
    """ffmpeg's words for a hardware decoder that could not start (its first such line)."""
    said = [line for line in lines if line.strip()]
    why = [line for line in said if re.search(r"hwaccel|[Dd]evice|CUDA|VAAPI|libcuda", line)]
    return (why or said or ["ffmpeg produced no frames"])[0].strip()[:200]


def decode_small(
    info: VideoInfo,
    long_side: int = 320,
    detail_side: int = 0,
    detail_step: int = 1,
    *,
    keyframes_only: bool = False,
    span: tuple[float, float] | None = None,
    resume: tuple[int, float] | None = None,
    seek_to_resume: bool = True,
    waiting: WaitingDecoder | None = None,
    hardware: HardwareDecode | None = None,
    crop: Crop | None = None,
) -> Generator[DecodedFrame, None, None]:
    """One pass over the whole video: every frame at a small size, upright, with its real timestamp;
    with `detail_side`, also a larger grey picture of every `detail_step`-th frame (frames 0, step,
    2 step...), from the same decode through a second pipe.

    `keyframes_only` decodes the stream's keyframes (I-frames) and nothing else; `span` = (start, end)
    seconds decodes the frames in [start, end) only (start is best a keyframe's time: decoding starts
    at the keyframe before it). `resume` = (number, time) continues an earlier decode of the whole
    video from its frame `number`, which came at `time` (frames before it are left out, and numbering
    goes on from it; without `seek_to_resume`, decoding starts at the beginning all the same). Times stay
    those of the whole video either way.

    Timestamps come from ffmpeg's showinfo filter (read from stderr on a thread), so variable frame
    rate and late-starting streams get the true time of each frame rather than number / fps.

    `waiting`, an ffmpeg started for this file before it was probed, is used for a decode of the whole
    video from its start in software (its libraries have loaded meanwhile).

    `hardware`: decode with that hardware decoder (frames come back to memory for the small picture);
    should ffmpeg not start with it, the same decode runs in software (see HardwareDecode).

    `crop`: only that part of the picture, in both pictures (the picture inside black bars).
    """
    import numpy as np

    tools = find_tools()
    width, height = analysis_size(info, long_side, crop)
    input_options = {"skip_frame": "nokey"} if keyframes_only else dict(_WHOLE_DECODE)
    if keyframes_only and max(info.width, info.height) >= _NO_DEBLOCKING * long_side:
        # A keyframe refers to no other frame, so nothing carries its blocks on; at a quarter of the size
        # or less, the 8-px block edges the filter smooths are under 2 px, specks the detectors ignore.
        # A fifth less decode for a 1080p keyframe.
        input_options["skip_loop_filter"] = "all"
    input_options.update(_reproducible(info))
    on_hardware = hardware is not None and hardware.active
    if hardware is not None and on_hardware:
        input_options["hwaccel"] = hardware.name  # no longer a _WHOLE_DECODE: the waiting ffmpeg is not used
    # After a seek, ffmpeg counts timestamps from the seek position: shift them back.
    seek = 0.0
    frame_time = 1.0 / info.frame_rate
    if span is not None:
        seek = span[0] + info.start_offset
        input_options["ss"] = f"{seek:.6f}"
        input_options["to"] = f"{span[1] + info.start_offset:.6f}"
    first_number, resume_time = resume if resume is not None else (0, -math.inf)
    if resume is not None and resume_time > 0 and seek_to_resume:
        # A microsecond early, so that the frame itself is kept whatever the rounding of its time.
        seek = max(0.0, resume_time + info.start_offset - 1e-6)
        input_options["ss"] = f"{seek:.6f}"
    detail_width, detail_height = analysis_size(info, detail_side, crop) if detail_side else (0, 0)
    detail_size = (detail_width, detail_height) if detail_side else None
    field = _first_field(info)
    field_filter = f"field=type={field}," if field else ""
    graph = _pass_graph((width, height), detail_size, detail_step, field_filter, _crop_filter(crop))
    binary = quick_ffmpeg() if span is not None else tools.ffmpeg
    whole = input_options == _WHOLE_DECODE
    started = waiting.take(info.path, bool(detail_side), binary, graph) if waiting and whole else None
    if started is not None:
        proc, detail_read = started
    else:
        detail_pipe = os.pipe() if detail_side else None
        args = [binary, *_as_args(input_options), "-i", _input_arg(info.path), "-filter_complex", graph]
        proc = subprocess.Popen(
            args + _pass_outputs(detail_pipe[1] if detail_pipe else None),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            pass_fds=(detail_pipe[1],) if detail_pipe else (),
        )
        detail_read = None
        if detail_pipe:
            os.close(detail_pipe[1])  # only ffmpeg writes there: its end of file comes when ffmpeg exits
            detail_read = detail_pipe[0]
    assert proc.stdout is not None and proc.stderr is not None
    stdout = proc.stdout
    # Room for several frames in each pipe: ffmpeg's main thread, which feeds the decoding threads, then
    # does not stop at every frame to wait for Python.
    _widen_pipe(stdout.fileno())
    if detail_read is not None:
        _widen_pipe(detail_read)
    stderr_tail: deque[str] = deque(maxlen=30)
    pts_times = _ShowinfoTimes(proc.stderr, stderr_tail)
    readers = [pts_times.reader]
    details: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=32)
    stop = threading.Event()
    if detail_read is not None:
        detail_file = os.fdopen(detail_read, "rb")
        readers.append(
            threading.Thread(
                target=_read_frames,
                args=(detail_file, (detail_height, detail_width), details, stop),
                daemon=True,
            )
        )
    for reader in readers:
        reader.start()
    frame_bytes = width * height * 3 // 2
    index = 0  # of the frames this ffmpeg sent: the detail pictures come with every detail_step-th
    number = first_number
    last_time = -1.0
    near = _resume_tolerance(info)
    too_early = resume_time - near  # frames before the resumed one, if the seek let any through
    shift = 0.0
    pending: deque[bytes] = deque()  # small frames read ahead while a detail picture is awaited
    small_done = False

    def read_small() -> None:
        nonlocal small_done
        buf = stdout.read(frame_bytes) if not small_done else b""
        if len(buf) < frame_bytes:
            small_done = True
        else:
            pending.append(buf)

    details_left = detail_read is not None
    try:
        while True:
            if not pending:
                read_small()
                if not pending:
                    break
            grey = None
            if details_left and index % detail_step == 0:
                # ffmpeg writes a detail picture a few small frames after its own (framestep waits for
                # the end of its group): read small frames ahead until it comes, or ffmpeg would block.
                while True:
                    try:
                        grey = details.get_nowait() if not small_done else details.get()
                        break
                    except queue.Empty:
                        read_small()
                details_left = grey is not None
            buf = pending.popleft()
            index += 1
            pts = pts_times.next()
            time = pts + seek - info.start_offset if pts is not None else last_time + frame_time
            time = max(time, last_time + 1e-6, 0.0) if last_time >= 0 else max(time, 0.0)
            last_time = time
            if time < too_early:
                continue
            if number == first_number and abs(time - resume_time) < near:
                # The resumed frame: its time as the earlier decode had it, without the seek's rounding.
                shift = resume_time - time
            yuv = np.frombuffer(buf, np.uint8).reshape(height * 3 // 2, width)
            yield DecodedFrame(number, time + shift, yuv, grey)
            number += 1
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for reader in readers:
            reader.join(timeout=5)
        if detail_read is not None:
            detail_file.close()
    if index == 0 and started is not None and _refused_graph_pipe(binary, stderr_tail):
        yield from decode_small(info, long_side, detail_side, detail_step)  # the usual way, then
        return
    if index == 0 and hardware is not None and on_hardware:
        hardware.failed = _hardware_error(stderr_tail)
        yield from decode_small(
            info, long_side, detail_side, detail_step, keyframes_only=keyframes_only, span=span,
            resume=resume, seek_to_resume=seek_to_resume, hardware=hardware,
        )  # fmt: skip
        return
    if index == 0 and resume is None:
        detail_text = " ".join(stderr_tail) or "ffmpeg produced no frames"
        raise InputError(f"{info.path}: no video frame could be decoded ({_last_error(detail_text)})")


# Input options of a decode of the whole video. Frames no other frame refers to (most B-frames) skip the
# deblocking filter: 6-7% less decode for an x264 file with B-frames, and the blocks it would smooth are
# under a pixel at the analysis size. (Skipping it in reference frames too would carry the blocks on to
# the next I-frame, which then jumps: PySceneDetect saw cuts in a still camera.)
_WHOLE_DECODE = {"skip_loop_filter": "noref"}


# Decoders whose frame threads decode a damaged stream differently from one run to the next. A Theora
# file whose keyframes are not marked as such (the ogg demuxer says so) gave three different sets of
# frames in three runs of `ffmpeg -f framemd5`, and one with -threads 1; 65 other files of the shared
# and registry clips gave the same frames each time. One thread: the pictures analysed are those grabbed.
_SERIAL_CODECS = {"theora", "vp3"}


def _reproducible(info: VideoInfo) -> dict[str, str]:
    """Input options that make every decode of this video give the same pictures."""
    return {"threads": "1"} if info.codec in _SERIAL_CODECS else {}


def _as_args(options: dict[str, str]) -> list[str]:
    return [arg for name, value in options.items() for arg in (f"-{name}", value)]


def _first_field(info: VideoInfo) -> str | None:
    """For an interlaced video, the field shown first ("top" or "bottom"): the analysis picture is
    scaled from its lines alone (ffmpeg's field filter), half the height; None for a progressive one."""
    if not info.interlaced:
        return None
    return "bottom" if info.bottom_first else "top"


def _crop_options(crop: Crop) -> dict[str, str]:
    """ffmpeg's crop filter's options for `crop` (the pass's graph and the grab's alike)."""
    left, top, width, height = crop
    return {"w": f"iw*{width:.6f}", "h": f"ih*{height:.6f}", "x": f"iw*{left:.6f}", "y": f"ih*{top:.6f}"}


def _crop_filter(crop: Crop | None) -> str:
    """ffmpeg's crop filter for `crop`, with a comma to go before the next filter ("" for None)."""
    if crop is None:
        return ""
    return "crop=" + ":".join(f"{name}={value}" for name, value in _crop_options(crop).items()) + ","


def _pass_graph(
    small: tuple[int, int], detail: tuple[int, int] | None, detail_step: int, field: str = "", crop: str = ""
) -> str:
    """decode_small's filters: each frame's timestamp (showinfo), its small picture ([small]) and, with
    `detail`, the grey detail picture of every `detail_step`-th frame ([detail]). The detectors need
    structure, not fidelity: a cheap scaler (the frames sent to the model are grabbed separately, in full),
    and YUV as decoded for the small one (half the bytes of BGR, and no colour conversion in ffmpeg).
    `field` (the filter keeping _first_field): an interlaced frame's two fields were taken 1/50 or 1/60 s
    apart; the small picture is scaled from the first alone, so nothing that moves is combed, and a cut
    between the two fields of a frame is a cut at the next frame, not two half changes. The detail
    picture keeps every line: text on a screen stands still, and a pen's stroke is a line or two thick.
    `crop` (_crop_filter's) takes the part of the picture analysed first, in both."""
    scale = "scale={}:{}:flags=fast_bilinear"
    if detail is None:
        return f"[0:v]showinfo=checksum=0[s0];[s0]{crop}{field}{scale.format(*small)}[small]"
    step = f"framestep=step={detail_step}," if detail_step > 1 else ""
    return (
        f"[0:v]showinfo=checksum=0[s0];[s0]split=2[s1][s2];[s1]{crop}{field}{scale.format(*small)}[small];"
        f"[s2]{step}{crop}{scale.format(*detail)}[detail]"
    )


def _pass_outputs(detail_fd: int | None) -> list[str]:
    """decode_small's outputs (raw pictures to stdout and to the pipe `detail_fd`) and global options."""
    raw = ["-f", "rawvideo", "-fps_mode", "passthrough", "-pix_fmt"]
    out = ["-map", "[small]", *raw, "yuv420p", "pipe:1"]
    if detail_fd is not None:
        out += ["-map", "[detail]", *raw, "gray", f"pipe:{detail_fd}"]
    return [*out, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-an", "-sn", "-dn"]


# ffmpeg binaries that would not read their filter graph from a pipe (newer ffmpeg has no
# -filter_complex_script: imageio-ffmpeg's ffmpeg 9 refuses it): they are started once the graph is known.
_NO_GRAPH_PIPE: set[str] = set()


def _refused_graph_pipe(binary: str, said: Iterable[str]) -> bool:
    if any("filter_complex_script" in line for line in said):
        _NO_GRAPH_PIPE.add(binary)
        return True
    return False


class WaitingDecoder:
    """An ffmpeg for decode_small's whole-video decode, started before the file is probed. A shared build
    (Debian's links 200 libraries) spends 0.06-0.1 s loading before it reads a byte: that time now
    overlaps the probe, and in a fresh process the import of the detectors. It waits for its filter graph,
    which needs the frame sizes the probe gives, on a pipe (-filter_complex_script). A decode it does not
    fit (another file, a seek, detail pictures it lacks) starts its own; close() ends it if unused.
    Use it as a context manager."""

    def __init__(self, path: str, detail: bool) -> None:
        self.path, self.detail = path, detail
        self.binary = find_tools().ffmpeg
        self._proc: subprocess.Popen[bytes] | None = None
        self._graph_fd = self._detail_fd = -1
        self.started = False  # an ffmpeg was started (not for a binary known to refuse the pipe)
        self.used = False  # a decode took it
        if self.binary in _NO_GRAPH_PIPE or not os.path.isfile(path):
            return
        self.started = True
        graph_read, self._graph_fd = os.pipe()
        detail_pipe = os.pipe() if detail else None
        script = ["-filter_complex_script", f"pipe:{graph_read}"]
        args = [self.binary, *script, *_as_args(_WHOLE_DECODE), "-i", _input_arg(path)]
        try:
            self._proc = subprocess.Popen(
                args + _pass_outputs(detail_pipe[1] if detail_pipe else None),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                pass_fds=(graph_read, detail_pipe[1]) if detail_pipe else (graph_read,),
            )
        except OSError:  # ffmpeg cannot be run: the decode says so in its own words
            self.started = False
        finally:
            os.close(graph_read)
            if detail_pipe:
                os.close(detail_pipe[1])
                self._detail_fd = detail_pipe[0]
            if self._proc is None:
                self._end(None)

    def take(
        self, path: str, detail: bool, binary: str, graph: str
    ) -> tuple[subprocess.Popen[bytes], int | None] | None:
        """The process, its filter graph sent, with the read end of its detail pipe; None (and the process
        ended) when it does not fit this decode or has already exited."""
        proc, self._proc = self._proc, None
        fits = (path, detail, binary) == (self.path, self.detail, self.binary)
        if proc is None or not fits or proc.poll() is not None:
            self._end(proc)
            return None
        try:
            os.write(self._graph_fd, graph.encode())  # a few hundred bytes: never more than a pipe holds
        except OSError:  # it exited meanwhile
            self._end(proc)
            return None
        os.close(self._graph_fd)
        detail_fd, self._graph_fd, self._detail_fd = self._detail_fd, -1, -1
        self.used = True
        return proc, detail_fd if detail else None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        self._end(proc)

    def _end(self, proc: subprocess.Popen[bytes] | None) -> None:
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            _, said = proc.communicate()
            _refused_graph_pipe(self.binary, said.decode("utf-8", "replace").splitlines())
        for fd in (self._graph_fd, self._detail_fd):
            if fd >= 0:
                os.close(fd)
        self._graph_fd = self._detail_fd = -1

    def __enter__(self) -> WaitingDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# The pipe's container. NUT carries any codec with the stream's own timestamps, but its demuxer keeps
# every syncpoint it reads for seeking (one per keyframe and per 64 kB of packets): 1.8 MB an hour of a
# 4 Mbit/s camera, never freed. MPEG-TS keeps nothing as it is read, and carries the codecs I-frames
# first reads (those recorders write); its 90 kHz clock (exact for 25 and 30000/1001 frames/s in MP4's
# usual time bases, elsewhere within a tick, 11 us, far under _SAME_TIME) wraps after 2**33 ticks,
# 26.5 hours.
_TS_CODECS = frozenset({"h264", "hevc"})
_TS_LONGEST = 2**33 / 90_000 - 3600  # seconds, with an hour to spare for the stream's start time


def packet_container(info: VideoInfo) -> str:
    """The container video_packets writes for this video: "mpegts" or "nut"."""
    return "mpegts" if info.codec in _TS_CODECS and info.duration < _TS_LONGEST else "nut"


def video_packets(info: VideoInfo) -> subprocess.Popen[bytes]:
    """An ffmpeg that copies the video stream's packets, as they are, to its stdout (in
    packet_container(info): each packet with its timestamps and keyframe flag), for media_pyav to decode
    in-process. The file's index stays in this ffmpeg: an MP4 holds one entry per frame (160 MB for a
    day of 25 frames/s), which vidscan's own process would otherwise hold all the run."""
    args = [
        find_tools().ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", _input_arg(info.path),
        "-map", "0:V:0", "-c", "copy", "-f", packet_container(info), "pipe:1",
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    _widen_pipe(proc.stdout.fileno())
    return proc


def keyframe_packets(info: VideoInfo, seconds: float) -> int:
    """How many keyframes the container marks in the first `seconds` of the video stream, read from its
    packets without decoding them."""
    args = [
        quick_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-discard", "nokey",
        "-t", f"{seconds + info.start_offset:.6f}", "-i", _input_arg(info.path),
        "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-",
    ]  # fmt: skip
    proc = subprocess.run(args, capture_output=True, check=False)
    return sum(1 for line in proc.stdout.splitlines() if line and not line.startswith(b"#"))


def _resume_tolerance(info: VideoInfo) -> float:
    """How close to the time it had the first frame of a resumed decode must come: a quarter frame, and
    at least 2 ms, the rounding of a millisecond time base (Matroska), should a file claim 1000 frames/s."""
    return max(0.25 / info.frame_rate, 0.002)


_INDEXED = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"}  # containers with an index of keyframes


class DetailSwitch:
    """Whether the pass wants decode_switchable's detail pictures: its consumer sets `wanted`."""

    def __init__(self) -> None:
        self.wanted = True
        self.restarts = 0  # times ffmpeg was started again to switch


def decode_switchable(
    info: VideoInfo,
    long_side: int,
    detail_side: int,
    detail_step: int,
    switch: DetailSwitch,
    waiting: WaitingDecoder | None = None,
    hardware: HardwareDecode | None = None,
    crop: Crop | None = None,
) -> Generator[DecodedFrame, None, None]:
    """decode_small's frames, with detail pictures that can be switched off and on during the pass:
    when `switch.wanted` changes, ffmpeg is started again without them (or with them) from the next
    frame whose number is a multiple of `detail_step`, so the pictures keep coming with the same frames.
    A restart costs the decode from the keyframe before that frame, so callers switch for long
    stretches only. Should a restart's seek land past that frame (a file that cannot be seeked to the
    frame), the decode starts again from the beginning, skips what was sent already, and keeps the
    pictures from then on; in files without an index of keyframes it never switches."""
    resume: tuple[int, float] | None = None  # (number, time) of the frame a restart goes on from
    # Seeking to a frame needs an index: raw streams and MPEG-TS would fall back to decoding again.
    seek = Path(info.path).suffix.lower() in _INDEXED
    with_detail = switch.wanted or not seek
    late = _resume_tolerance(info)
    while True:
        side = detail_side if with_detail else 0
        frames = decode_small(
            info,
            long_side,
            side,
            detail_step,
            resume=resume,
            seek_to_resume=seek,
            waiting=waiting,
            hardware=hardware,
            crop=crop,
        )
        waiting = None  # for the first decode only
        next_resume, nothing_yet = None, True
        try:
            for frame in frames:
                if nothing_yet and resume is not None and seek and frame.time > resume[1] + late:
                    break
                first, nothing_yet = nothing_yet, False
                flip = switch.wanted != with_detail and frame.number % detail_step == 0
                if flip and seek and not first:
                    next_resume, with_detail = (frame.number, frame.time), switch.wanted
                    switch.restarts += 1
                    break
                yield frame
        finally:
            frames.close()
        if nothing_yet and resume is not None:
            if not seek:  # the file can no longer be read (decoding it from the start gave nothing)
                raise InputError(f"{info.path}: could not be read again from {resume[1]:.2f} s")
            # The seek missed the frame: again from the start, with the pictures, and no more switching.
            seek, next_resume, with_detail = False, resume, True
        if next_resume is None:
            return
        resume = next_resume


def _widen_pipe(fd: int, size: int = 1 << 20) -> None:
    with contextlib.suppress(OSError, AttributeError):  # over the system's limit, or not Linux
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)


def _read_frames(
    pipe: io.BufferedReader,
    shape: tuple[int, int],
    out: queue.Queue[np.ndarray | None],
    stop: threading.Event,
) -> None:
    """Frames of `shape` from `pipe` into `out`, then None; gives up when `stop` is set."""
    import numpy as np

    def put(item: np.ndarray | None) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    size = shape[0] * shape[1]
    while len(buf := pipe.read(size)) == size:
        if not put(np.frombuffer(buf, np.uint8).reshape(shape)):
            return
    put(None)


class _Showinfo:
    """Frame times from ffmpeg's showinfo lines on stderr: each frame's integer pts times the time base
    showinfo printed when it started (its pts_time has 6 significant digits only)."""

    def __init__(self) -> None:
        self._num, self._den = 1, 0  # the time base, once showinfo has said it

    def times(self, lines: Iterable[bytes], other: Callable[[str], object]) -> list[float]:
        """The times of the frames in `lines`; the lines that are not showinfo's go to `other`."""
        times = []
        for line in lines:
            if b"Parsed_showinfo" not in line:
                other(line.decode("utf-8", "replace").strip())
            elif match := _PTS_RE.search(line):
                pts = int(match.group(1))
                times.append(pts * self._num / self._den if self._den else float(match.group(2)))
            elif match := _TIME_BASE_RE.search(line):
                self._num, self._den = int(match.group(1)), int(match.group(2))
        return times


_SILENCE = 60  # seconds a live ffmpeg may keep the next frame's time: far beyond any machine's load


class _ShowinfoTimes:
    """The time of each frame, from ffmpeg's showinfo lines on stderr (the other lines are kept in
    `tail`, for error messages). A thread reads them in chunks, napping up to 10 ms between reads so
    that a read gets the lines of many frames: woken for every line (two a frame), it cost a third of
    the pass's reading, for frames that are in the pipe long before they are needed. The nap ends once
    every time read has been asked for: ffmpeg runs only as far ahead as the frames its pipe holds
    (a dozen at 320x180), so a full nap kept the pass waiting for times already written, 1.2 ms per
    dozen frames."""

    def __init__(self, stderr: IO[bytes], tail: deque[str]) -> None:
        self._chunks: queue.Queue[list[float] | None] = queue.Queue()
        self._ready: deque[float] = deque()
        self._ended = False
        self._wanted = threading.Event()  # the pass waits for a time: no nap
        self.reader = threading.Thread(target=self._read, args=(stderr.fileno(), tail), daemon=True)

    def _read(self, fd: int, tail: deque[str]) -> None:
        rest = b""
        showinfo = _Showinfo()
        while chunk := os.read(fd, 1 << 16):
            *lines, rest = (rest + chunk).split(b"\n")
            times = showinfo.times(lines, tail.append)
            if times:
                self._chunks.put(times)
            self._wanted.wait(0.01)
        if rest.strip():
            tail.append(rest.decode("utf-8", "replace").strip())
        self._chunks.put(None)

    def next(self) -> float | None:
        """The next frame's time; None when ffmpeg has ended without saying it. A frame read from stdout
        has had its showinfo line written before it: the line comes, however long a busy machine keeps
        the reader waiting (a guessed time would put a stretch's frames at the video's start)."""
        if not self._ready and not self._ended:
            chunk = self._next_chunk()
            if chunk is None:
                self._ended = True
            else:
                self._ready.extend(chunk)
        return self._ready.popleft() if self._ready else None

    def _next_chunk(self) -> list[float] | None:
        try:
            return self._chunks.get_nowait()
        except queue.Empty:
            pass
        self._wanted.set()
        try:
            for _ in range(_SILENCE):
                try:
                    return self._chunks.get(timeout=1.0)
                except queue.Empty:
                    if not self.reader.is_alive() and self._chunks.empty():
                        return None  # it ended without its last word (it always puts None last)
            return None  # a minute of silence from a live ffmpeg: no time will come
        finally:
            self._wanted.clear()


def _last_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "unknown error"


class Expected(Protocol):
    """What a caller saw of the frame it asks grab_frame for (keyframes.frames.PictureSignature): the size
    of its analysis picture, and whether a picture of that size, scaled from the full frame as
    decode_small scales it, shows the same."""

    @property
    def size(self) -> tuple[int, int]: ...

    @property
    def crop(self) -> Crop | None: ...

    def matches(self, yuv: np.ndarray) -> bool: ...


@dataclass(frozen=True)
class GrabbedFrame:
    image: Image.Image  # RGB, full size, upright, square pixels
    time: float  # the frame's own time (seconds from the start of the video stream), from its timestamp
    how: str  # how it was decoded: "seek", "from-keyframe" (an earlier one) or "from-start"
    # Its time is the one asked for and, when the caller said what to expect, its picture that one; False
    # only when even a decode from the start did not give that (the decoder no longer gives what the
    # analysis decode gave).
    exact: bool


# Frames to seek back from a frame that a seek did not give: an open group's leading pictures (shown
# before its keyframe, decoded after it, with references in the group before) are at most 16, and that
# keyframe's decoding time at most 16 frames (the reordering depth H.264 and HEVC allow) before theirs.
# Seeking this far back lands on an earlier keyframe, from which the decoder has every reference.
_LEADING_FRAMES = 32
# Seconds two decodes' timestamps of one frame may differ by (float rounding): less than any two frames
# are apart (Matroska, the coarsest time base used with high frame rates, counts milliseconds).
_SAME_TIME = 0.001


def grab_frame(info: VideoInfo, time: float, expect: Expected | None = None) -> GrabbedFrame:
    """The full-size frame shown at `time` (seconds from the start of the video stream), upright and with
    square pixels (an anamorphic clip's at its display aspect).

    One ffmpeg run seeks to it. With `expect` (what the analysis pass saw of this frame, whose time
    `time` then is), that run also makes the analysis picture of the frame it got; when its time or its
    picture disagree, as on files where seeking lies (a first frame that is no keyframe, leading pictures
    of an open GOP, a damaged start), the frame is decoded again from an earlier keyframe and taken by
    its timestamp, and if that disagrees too, from the start, as the analysis decode did."""
    at = time + info.start_offset  # seconds of the file: where seeks and timestamps count from
    # The first frame at or after this point is taken: the frame whose timestamp is `time`, or without
    # `expect` the one nearest to `time` (half a frame early).
    first = at - (_SAME_TIME if expect else 0.5 / info.frame_rate)
    earlier = at - _LEADING_FRAMES / info.frame_rate
    attempts = [("seek", first)]
    if earlier > 0:
        attempts.append(("from-keyframe", earlier))
    attempts.append(("from-start", 0.0))
    if first <= 0:  # the first frame: a decode from the start is the seek
        attempts = attempts[-1:]
    got: GrabbedFrame | None = None
    error = ""
    for how, seek in attempts:
        grabbed, error = _grab_once(
            info, seek, first, expect.size if expect else None, expect.crop if expect else None
        )
        if grabbed is None:
            continue
        image, frame_time, small = grabbed
        exact = expect is None or (
            abs(frame_time - time) <= _SAME_TIME and small is not None and expect.matches(small)
        )
        got = GrabbedFrame(image, frame_time, how, exact)
        if exact:
            return got
    if got is None:
        raise FfmpegError(f"{info.path}: could not decode the frame at {time:.2f}s ({_last_error(error)})")
    return got


def _grab_once(
    info: VideoInfo,
    seek: float,
    take_from: float,
    small_size: tuple[int, int] | None,
    crop: Crop | None = None,
) -> tuple[tuple[Image.Image, float, np.ndarray | None] | None, str]:
    """One ffmpeg run: decode from `seek` (seconds of the file; 0 = the start) and take the first frame
    at or after `take_from` (seconds of the file). Its full-size picture, its time, and with
    `small_size` its analysis picture (I420 at that size of its `crop`, scaled as decode_small scales);
    or None, and ffmpeg's messages."""
    import ffmpeg
    import numpy as np
    from PIL import Image

    def command(small_pipe: str) -> list[str]:
        where = {"ss": f"{seek:.6f}"} if seek > 0 else {}
        video = ffmpeg.input(_input_arg(info.path), **where, **_reproducible(info)).video
        # Chosen by timestamp here, not by the seek: ffmpeg rounds its seek position to the stream's time
        # base (a whole frame in AVI), and may then give the frame before.
        video = video.filter("select", f"gte(t,{take_from:.6f})").filter("showinfo", checksum=0)
        outputs = []
        if small_size:
            branches = video.split()
            video = branches[0]
            small = branches[1]
            if crop is not None:
                small = small.filter("crop", **_crop_options(crop))
            field = _first_field(info)
            if field:  # the analysis picture is the first field's
                small = small.filter("field", type=field)
            small = small.filter("scale", *small_size, flags="fast_bilinear")
            outputs.append(small.output(small_pipe, vframes=1, format="rawvideo", pix_fmt="yuv420p"))
        if info.interlaced:
            # As a player shows it: each frame its fields made whole (bwdif: the field lines between
            # interpolated along edges and from the frames around), where the decoder says the frame is
            # interlaced. The analysis picture above is not: at its size the combs are averaged away.
            video = video.filter("bwdif", mode="send_frame", parity="auto", deint="interlaced")
        if info.width and info.height:  # the display size: anamorphic pixels made square
            video = video.filter("scale", info.width, info.height).filter("setsar", 1)
        outputs.append(video.output("pipe:1", vframes=1, format="image2pipe", vcodec="bmp"))
        # Timestamps as the analysis decode (no seek) has them, whatever the seek: comparable to the frame
        # times it reported, without the rounding of a seek position to the stream's time base. From the
        # start, exactly as it has them: -copyts would also keep a jump in a transport stream's clock (a
        # recorder's restart) that the analysis decode closed up.
        same_times = ["-copyts", "-start_at_zero"] if seek > 0 else []
        return (
            ffmpeg.merge_outputs(*outputs)
            .global_args("-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+info", *same_times)
            .compile(cmd=find_tools().ffmpeg)
        )

    small_bytes, stdout, stderr = _run_with_pipe(command)
    said: list[str] = []
    times = _Showinfo().times(stderr.split(b"\n"), said.append)
    if not stdout or not times:
        # Level tags (-loglevel level+info) tell ffmpeg's errors from the information showinfo needs.
        errors = [line.split("] ", 1)[-1] for line in said if "[error]" in line or "[fatal]" in line]
        return None, "\n".join(errors or said)
    image = Image.open(io.BytesIO(stdout))
    image.load()
    small = None
    if small_size and len(small_bytes) == small_size[0] * small_size[1] * 3 // 2:
        small = np.frombuffer(small_bytes, np.uint8).reshape(small_size[1] * 3 // 2, small_size[0])
    return (image.convert("RGB"), times[0] - info.start_offset, small), ""


def _run_with_pipe(command: Callable[[str], list[str]]) -> tuple[bytes, bytes, bytes]:
    """Run the ffmpeg command made by `command(URL)`, where URL ("pipe:N") names a pipe beside stdout:
    (what ffmpeg wrote to that pipe, to stdout, to stderr)."""
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as pipe:
        try:
            proc = subprocess.Popen(
                command(f"pipe:{write_end}"),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(write_end,),
            )
        finally:
            os.close(write_end)  # only ffmpeg writes there: its end of file comes when ffmpeg exits
        received: list[bytes] = []
        reader = threading.Thread(target=lambda: received.append(pipe.read()), daemon=True)
        reader.start()
        stdout, stderr = proc.communicate()
        reader.join()
    return received[0] if received else b"", stdout, stderr


def extract_audio(info: VideoInfo, wav_path: str | Path) -> Path:
    """The audio as 16 kHz mono WAV (what speech models read), its time 0 at the video stream's first
    frame: audio that starts later is padded with silence, so transcript times are video times."""
    if not info.has_audio:
        raise InputError(f"{info.path}: has no audio stream")
    import ffmpeg

    tools = find_tools()
    seek = {"ss": f"{info.start_offset:.6f}"} if info.start_offset > 0 else {}
    args = (
        ffmpeg.input(_input_arg(info.path), **seek)
        .audio.filter("aresample", 16000, **{"async": 1, "first_pts": 0})
        .output(str(wav_path), ac=1, acodec="pcm_s16le", format="wav")
        .global_args("-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-vn", "-sn", "-dn")
        .compile(cmd=tools.ffmpeg)
    )
    proc = subprocess.run(args, capture_output=True, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")
        raise FfmpegError(f"{info.path}: could not extract the audio ({_last_error(err)})")
    return Path(wav_path)
