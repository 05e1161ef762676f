"""I-frame-first decoding: decode only the stream's keyframes (I-frames, which need no other frame), and
decode in full only the stretches between two keyframes that differ. A stretch whose two ends look alike
holds nothing worth a keyframe unless it came and went within the stretch; one whose ends differ is
handed to the detectors frame by frame, so cuts keep their exact times and motion its tracks.

Two keyframes differ for the cut detector when their content score is high (edited footage), and, on a
fixed camera, when the motion detector would see something moved between them (motion.CameraChange:
pixels over the clip's own noise). It pays off on H.264/H.265 with a keyframe every few seconds (a 1080p
file's keyframes decode ten times faster than all its frames); what comes and goes within one stretch
(a cut and a cut back, a person crossing in less than the keyframe interval) is what it can miss."""

from __future__ import annotations

import contextlib
import math
from collections import Counter, deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from .. import media, media_pyav
from ..errors import InputError
from ..types import VideoInfo
from .frames import FrameView, cut_view
from .motion import CameraChange
from .quiet_stretches import QuietStretches
from .scenes import hsv_change

CODECS = ("h264", "hevc")  # keyframes at regular intervals, cheap to decode alone
_WORKERS = 2  # stretches decoded at once, beside the keyframes' own decode
# Seconds of video decoded ahead of the detectors: a stretch's frames go to them once the keyframes
# compared have gone this far past its start, whether or not it was decoded sooner, so that what the
# detectors have seen when two keyframes are compared (a recorder's clock found, cuts) is the same however
# the threads run. Three of the longest keyframe intervals recorders use (4 s). The hour of
# benchmarks/longcamera.py (a keyframe every 2 s) took 12.1-12.3 s at 4 s, 8.7-8.8 s at 8 s and 12 s:
# with the stretches of 4 s of video ahead, a decoder sits idle while the detectors look at the one before.
_WAITING = 12.0
_HELD = 10.0  # seconds: the longest stretch decoded ahead, its frames waiting in memory until the
# detectors take them. Neighbouring differing stretches are joined up to this length; a longer one (a long
# GOP, the tail) is decoded when its turn comes instead.
_HELD_FRAMES = 64  # and at most this many frames (5.5 MB at 320x180): the stretches waiting hold the frames
# of `_WAITING` seconds at most (26 MB at 25 frames/s), the one being read 64 more
_LONG_AHEAD = 16  # frames of a stretch too long to hold decoded ahead of the detectors (1.4 MB)
_WINDOW = 3  # frames decoded past a cut: PySceneDetect's AdaptiveDetector compares 2 on either side


@dataclass
class SparseCounts:
    """What the sparse decode did, for the report. Gaps between keyframes are counted by their length
    in milliseconds (a recorder has one or a few lengths): a few numbers however long the video."""

    keyframes: int = 0  # I-frames decoded
    skipped: int = 0  # I-frames left undecoded, the stretch before each as cheap as the quiet ones
    spans: int = 0  # stretches between two I-frames decoded frame by frame
    frames: int | None = None  # frames the stream holds, once read to its end (None: not counted)
    gaps: Counter[int] = field(default_factory=Counter)  # milliseconds between two keyframes: how often
    # (start, end) of stretches not recorded, as PyAV's reader finds them in the packets' times (filled
    # while it reads; none found when ffmpeg decodes instead)
    not_recorded: list[tuple[float, float]] = field(default_factory=list)

    def interval(self) -> float:
        """The median time between two keyframes, in seconds (0 with fewer than two keyframes)."""
        total, half = 0, sum(self.gaps.values()) / 2
        for ms in sorted(self.gaps):
            total += self.gaps[ms]
            if total >= half:
                return ms / 1000
        return 0.0

    def longest(self) -> float:
        return max(self.gaps, default=0) / 1000


class KeyframeComparison:
    """When two consecutive keyframes differ enough for the stretch between them to be decoded: a content
    score of `threshold` or more (a cut, see KeyframeOptions.iframe_change), or, while `camera` is set,
    anything the fixed-camera detector would see moved between them (CameraChange). The pass sets
    `camera` where the motion detector looks (under auto: where the footage is not edited)."""

    def __init__(self, threshold: float, camera: CameraChange | None = None) -> None:
        self.threshold = threshold
        self._camera = camera
        self.camera = camera is not None

    def picture(self, frame: media.DecodedFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """What is compared of a keyframe: its HSV cut view, and its grey picture for the camera test."""
        hsv = cv2.cvtColor(cut_view(frame.yuv), cv2.COLOR_BGR2HSV)
        grey = CameraChange.picture(FrameView(frame.time, frame.yuv)) if self._camera else None
        return hsv, grey

    def differs(
        self, a: tuple[np.ndarray, np.ndarray | None], b: tuple[np.ndarray, np.ndarray | None]
    ) -> bool:
        if hsv_change(a[0], b[0]) >= self.threshold:
            return True
        camera = self._camera
        return bool(
            self.camera and camera and a[1] is not None and b[1] is not None and camera.differs(a[1], b[1])
        )


def _hsv(frame: media.DecodedFrame) -> np.ndarray:
    return cv2.cvtColor(cut_view(frame.yuv), cv2.COLOR_BGR2HSV)


def _span_frames(
    source: _Source,
    first: float,
    last: tuple[float, np.ndarray | None],
    threshold: float,
    packets: media_pyav.Packets | None,
) -> Generator[media.DecodedFrame, None, None]:
    """The frames strictly between two keyframes, up to a few past the first that already looks like
    the second keyframe: from there on it is the same shot, and decoding it would find nothing. (The
    stretch after the last keyframe has no second one: all of it; nor does a fixed camera's stretch,
    `last[1]` None: the motion detector needs to see the motion end and the scene settle.)"""
    after_match = -1
    frames = source.stretch(first, last[0], packets)
    try:
        for frame in frames:
            if not first + 1e-6 < frame.time < last[0] - 1e-6:
                continue
            yield frame
            if after_match < 0 and last[1] is not None and hsv_change(_hsv(frame), last[1]) < threshold / 3:
                after_match = 0
            elif after_match >= 0:
                after_match += 1
                if after_match > _WINDOW:
                    break
    finally:
        frames.close()  # stops the decoder when it was not read to the end


@dataclass(frozen=True)
class _Decoding:
    """A stretch decoded on a worker thread."""

    first: float  # seconds: where it begins
    frames: Future[list[media.DecodedFrame]]


@dataclass(frozen=True)
class _LongSpan:
    """A stretch too long to hold in memory: decoded when its turn comes, frame by frame."""

    first: float
    last: tuple[float, np.ndarray | None]
    packets: media_pyav.Packets | None


_CHECK = 30.0  # seconds at the start of the video over which decoding the keyframes alone is checked


def keyframes_decode_alone(info: VideoInfo) -> bool:
    """Whether the stream's keyframes decode without the frames between them, as they come in order.
    H.264 with an open GOP (keyframes that are recovery points, not IDR frames, as x264's open-gop
    writes them) does not: ffmpeg's decoder then loses its reference bookkeeping, gives a few of them
    at the end, out of order. Checked on the first `_CHECK` seconds: the keyframes decoded there
    against the keyframes the container marks (the last may fall either side of the end)."""
    marked = media.keyframe_packets(info, _CHECK)
    times: list[float] = []
    with contextlib.suppress(InputError):
        frames = media.decode_small(info, 64, keyframes_only=True, span=(0.0, _CHECK))
        try:
            times = [frame.time for frame in frames]
        finally:
            frames.close()
    in_order = all(b - a > 0.5 / info.frame_rate for a, b in zip(times, times[1:], strict=False))
    return in_order and len(times) >= marked - 1


class _Source:
    """Where sparse_frames' frames come from: PyAV's KeyframeReader when it can serve (the file read once
    for the whole run, see media_pyav), else ffmpeg: one for the keyframes, one per stretch. Where PyAV
    fails, ffmpeg goes on from the last frame it gave."""

    def __init__(
        self, info: VideoInfo, long_side: int, hardware: media.HardwareDecode | None, gate: QuietStretches
    ) -> None:
        self.info, self.long_side, self.hardware, self.gate = info, long_side, hardware, gate
        self.reader: media_pyav.KeyframeReader | None = None
        if media_pyav.usable(info, hardware):
            with contextlib.suppress(Exception):  # a file PyAV cannot open: ffmpeg says why, if it fails too
                self.reader = media_pyav.KeyframeReader(info, long_side, gate)

    def keyframes(self) -> Iterator[tuple[media.DecodedFrame, media_pyav.Packets | None]]:
        """Each keyframe with the packets of the stretch before it (None: decoded by ffmpeg, by time).
        None come at all when the stream marks no keyframe (intra refresh instead of IDR frames): then
        the stretch after the "last" one is the whole video, decoded frame by frame."""
        after = -math.inf
        if self.reader is not None:
            try:
                for key, packets in self.reader:
                    after = key.time
                    yield key, packets
                return
            except Exception:  # whatever PyAV's trouble, ffmpeg takes over from here
                self.close()
        self.gate.release()  # ffmpeg's keyframes are asked about on this thread
        span = (after + 0.5 / self.info.frame_rate, self.info.duration + 1.0) if after >= 0 else None
        try:
            frames = media.decode_small(
                self.info, self.long_side, keyframes_only=True, span=span, hardware=self.hardware
            )
            for key in frames:
                self.gate.decode(key.time)  # counts the gap; without the sizes, every keyframe is decoded
                yield key, None
        except InputError:
            # decode_small only raises when no frame came at all; a file that cannot be decoded fails
            # again, with its own error, in the full decode that follows.
            return

    def tail(self) -> media_pyav.Packets | None:
        """The packets after the last keyframe, once keyframes() has ended."""
        return self.reader.tail if self.reader is not None else None

    def frames(self) -> int | None:
        """The frames in the stream (its packets), once keyframes() has read it all with PyAV."""
        return self.reader.packets if self.reader is not None else None

    def stretch(
        self, first: float, last: float, packets: media_pyav.Packets | None
    ) -> Generator[media.DecodedFrame, None, None]:
        """The frames of [first, last) (the keyframe at `first` among them, with ffmpeg)."""
        after = -math.inf
        if packets is not None and self.reader is not None:
            try:
                for frame in self.reader.stretch(packets, first, last):
                    after = frame.time
                    yield frame
                return
            except Exception:  # ffmpeg decodes the rest of the stretch
                pass
        frames = media.decode_small(self.info, self.long_side, span=(first, last), hardware=self.hardware)
        try:
            yield from (frame for frame in frames if frame.time > after)
        finally:
            frames.close()  # stops ffmpeg when it was not read to the end

    def close(self) -> None:
        self.gate.release()  # before the reader's thread is joined: it may be waiting for a decision
        if self.reader is not None:
            self.reader.close()
            self.reader = None


def sparse_frames(
    info: VideoInfo,
    long_side: int,
    comparison: KeyframeComparison,
    counts: SparseCounts,
    hardware: media.HardwareDecode | None = None,
) -> Generator[media.DecodedFrame, None, None]:
    """The video's keyframes (marked `keyframe`) and, between two keyframes that differ (`comparison`),
    every frame; in time order, numbered by their place in the whole video (time x fps).

    Stretches are decoded on `_WORKERS` threads while the keyframes are still being read, up to
    `_WAITING` seconds ahead of the detectors, so the two cores stay busy and few frames wait in
    memory."""
    fps = info.frame_rate
    threshold = comparison.threshold
    held = min(_HELD, _HELD_FRAMES / fps)  # seconds of frames a stretch decoded ahead may hold
    waiting: deque[_Decoding | _LongSpan | media.DecodedFrame] = deque()

    def ready(now: float) -> Iterator[media.DecodedFrame]:
        """Yield the waiting frames in order, up to the first stretch that begins within `_WAITING`
        seconds of `now`, the keyframe compared last (all of them at the end: infinity)."""
        while waiting:
            head = waiting[0]
            frames: Iterable[media.DecodedFrame]
            if isinstance(head, _Decoding):
                if now - head.first < _WAITING:
                    return
                frames = head.frames.result()
            elif isinstance(head, _LongSpan):
                # Decoded on a thread while the detectors look (PyAV decodes in this process).
                stretch_frames = _span_frames(source, head.first, head.last, threshold, head.packets)
                frames = media_pyav.read_ahead(stretch_frames, _LONG_AHEAD, "vidscan-long-span")
            else:
                frames = [head]
            waiting.popleft()
            for frame in frames:
                yield replace(frame, number=round(frame.time * fps))

    Picture = tuple[np.ndarray, np.ndarray | None]
    previous: tuple[float, Picture] | None = None
    # The stretch being put together: (start, its last keyframe, that keyframe's pictures, its packets).
    # Neighbouring stretches that both differ (motion, a run of cuts) are decoded as one.
    stretch: tuple[float, media.DecodedFrame, Picture, media_pyav.Packets | None] | None = None
    gate = QuietStretches(counts)  # keyframes the stream's sizes say are not worth decoding
    alike = False  # the last two keyframes decoded were neighbours and alike
    source = _Source(info, long_side, hardware, gate)
    if source.reader is not None:
        counts.not_recorded = source.reader.cadence.gaps
    with ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="vidscan-span") as pool:

        def decode(
            first: float, last: tuple[float, np.ndarray | None], packets: media_pyav.Packets | None
        ) -> None:
            if last[0] - first > held:
                waiting.append(_LongSpan(first, last, packets))
            else:
                # The generator runs (and decodes) on the worker thread, as list() reads it.
                decoding = pool.submit(list, _span_frames(source, first, last, threshold, packets))
                waiting.append(_Decoding(first, decoding))

        def submit() -> None:
            nonlocal stretch
            if stretch is not None:
                start, last, picture, packets = stretch
                # A fixed camera's stretch is decoded to its end (see _span_frames).
                decode(start, (last.time, None if comparison.camera else picture[0]), packets)
                waiting.append(last)
                stretch = None

        try:
            for decoded, before in source.keyframes():
                key = replace(decoded, keyframe=True)
                counts.keyframes += 1
                picture = comparison.picture(key)
                differs = previous is not None and comparison.differs(previous[1], picture)
                # Keyframes the gate left undecoded lie between the last one decoded and this one: its
                # stretch starts at the last of them.
                start = previous[0] if previous is not None else 0.0
                neighbours = before is None or before.start <= start + 0.5 / fps
                bits = before.bits if before and neighbours else None
                gate.seen(key.time, bits, differs, alike, edited=not comparison.camera)
                if not neighbours and before is not None:
                    start = before.start - 0.5 / fps  # that keyframe's own picture among the frames
                if differs:
                    counts.spans += 1
                    if stretch is not None and key.time - stretch[0] <= held and neighbours:
                        # The keyframe before comes in the stretch.
                        joined = stretch[3].then(before) if stretch[3] and before else None
                        stretch = (stretch[0], key, picture, joined)
                    else:
                        submit()
                        stretch = (start, key, picture, before)
                else:
                    submit()
                    waiting.append(key)
                alike = previous is not None and neighbours and not differs
                previous = (key.time, picture)
                yield from ready(key.time)
            submit()
            if previous is None or info.duration > previous[0] + 1.0 / fps:
                # After the last keyframe: nothing to compare with, so every frame.
                decode(previous[0] if previous else 0.0, (info.duration + 1.0, None), source.tail())
            counts.frames = source.frames()
            yield from ready(math.inf)  # every stretch, however long it takes
        finally:
            for item in waiting:
                if isinstance(item, _Decoding):
                    item.frames.cancel()
            source.close()
