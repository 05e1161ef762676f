"""I-frame-first decoding for edited footage: decode only the stream's keyframes (I-frames, which need no
other frame), and decode in full only the stretches between two keyframes that differ. A stretch whose
two ends look alike holds no cut worth a keyframe; one whose ends differ is handed to the cut detector
frame by frame, so cuts keep their exact times.

It pays off on H.264/H.265 with a keyframe every few seconds (a 1080p file's keyframes decode ten times
faster than all its frames); a cut and a cut back within one stretch (A-B-A) is what it can miss."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .. import media
from ..errors import InputError
from ..types import VideoInfo
from .frames import cut_view
from .scenes import hsv_change

CODECS = ("h264", "hevc")  # keyframes at regular intervals, cheap to decode alone
_AHEAD = 2  # stretches decoded at once, beside the keyframes' own decode
_HELD = 10.0  # seconds: the longest stretch decoded ahead, its frames waiting in memory until the
# detectors take them. Neighbouring differing stretches are joined up to this length; a longer one (a long
# GOP, the tail) is decoded when its turn comes instead.
_WINDOW = 3  # frames decoded past a cut: PySceneDetect's AdaptiveDetector compares 2 on either side


@dataclass
class SparseCounts:
    """What the sparse decode did, for the report."""

    keyframes: int = 0  # I-frames decoded
    spans: int = 0  # stretches between two I-frames decoded frame by frame


def _hsv(frame: media.DecodedFrame) -> np.ndarray:
    return cv2.cvtColor(cut_view(frame.yuv), cv2.COLOR_BGR2HSV)


def _span_frames(
    info: VideoInfo, long_side: int, first: float, last: tuple[float, np.ndarray | None], threshold: float
) -> Iterator[media.DecodedFrame]:
    """The frames strictly between two keyframes, up to a few past the first that already looks like
    the second keyframe: from there on it is the same shot, and decoding it would find nothing. (The
    stretch after the last keyframe has no second one: all of it.)"""
    after_match = -1
    frames = media.decode_small(info, long_side, span=(first, last[0]))
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
        frames.close()  # stops ffmpeg when it was not read to the end


def _span(
    info: VideoInfo, long_side: int, first: float, last: tuple[float, np.ndarray | None], threshold: float
) -> list[media.DecodedFrame]:
    return list(_span_frames(info, long_side, first, last, threshold))


@dataclass(frozen=True)
class _LongSpan:
    """A stretch too long to hold in memory: decoded when its turn comes, frame by frame."""

    first: float
    last: tuple[float, np.ndarray | None]


def _keyframes(info: VideoInfo, long_side: int) -> Iterator[media.DecodedFrame]:
    """The stream's keyframes; none when it marks none (intra refresh instead of IDR frames): then the
    stretch after the "last" one is the whole video, decoded frame by frame."""
    try:
        yield from media.decode_small(info, long_side, keyframes_only=True)
    except InputError:
        # decode_small only raises when no frame came at all; a file that cannot be decoded fails
        # again, with its own error, in the full decode that follows.
        return


def sparse_frames(
    info: VideoInfo, long_side: int, threshold: float, counts: SparseCounts
) -> Iterator[media.DecodedFrame]:
    """The video's keyframes and, between two keyframes whose content score is `threshold` or more,
    every frame; in time order, numbered by their place in the whole video (time x fps).

    Stretches are decoded on worker threads (an ffmpeg each) while the keyframes are still being read,
    at most `_AHEAD` at a time, so the two cores stay busy and few frames wait in memory."""
    fps = info.frame_rate
    waiting: deque[Future[list[media.DecodedFrame]] | _LongSpan | media.DecodedFrame] = deque()
    spans_waiting = 0

    def ready() -> Iterator[media.DecodedFrame]:
        """Yield the waiting frames in order, up to the first stretch still being decoded (or all of
        them when `_AHEAD` stretches are already waiting)."""
        nonlocal spans_waiting
        while waiting:
            head = waiting[0]
            frames: Iterable[media.DecodedFrame]
            if isinstance(head, Future):
                if not head.done() and spans_waiting < _AHEAD:
                    return
                frames = head.result()
                spans_waiting -= 1
            elif isinstance(head, _LongSpan):
                frames = _span_frames(info, long_side, head.first, head.last, threshold)
            else:
                frames = [head]
            waiting.popleft()
            for frame in frames:
                yield replace(frame, number=round(frame.time * fps))

    previous: tuple[float, np.ndarray] | None = None
    # The stretch being put together: (start, its last keyframe, that keyframe's HSV). Neighbouring
    # stretches that both differ (motion, a run of cuts) are decoded as one, by one ffmpeg.
    stretch: tuple[float, media.DecodedFrame, np.ndarray] | None = None
    with ThreadPoolExecutor(max_workers=_AHEAD, thread_name_prefix="vidscan-span") as pool:

        def decode(first: float, last: tuple[float, np.ndarray | None]) -> None:
            nonlocal spans_waiting
            if last[0] - first > _HELD:
                waiting.append(_LongSpan(first, last))
            else:
                spans_waiting += 1
                waiting.append(pool.submit(_span, info, long_side, first, last, threshold))

        def submit() -> None:
            nonlocal stretch
            if stretch is not None:
                start, last, picture = stretch
                decode(start, (last.time, picture))
                waiting.append(last)
                stretch = None

        try:
            for key in _keyframes(info, long_side):
                counts.keyframes += 1
                picture = _hsv(key)
                if previous is not None and hsv_change(previous[1], picture) >= threshold:
                    counts.spans += 1
                    if stretch is not None and key.time - stretch[0] <= _HELD:
                        stretch = (stretch[0], key, picture)  # the keyframe before comes in the stretch
                    else:
                        submit()
                        stretch = (previous[0], key, picture)
                else:
                    submit()
                    waiting.append(key)
                previous = (key.time, picture)
                yield from ready()
            submit()
            if previous is None or info.duration > previous[0] + 1.0 / fps:
                # After the last keyframe: nothing to compare with, so every frame.
                decode(previous[0] if previous else 0.0, (info.duration + 1.0, None))
            spans_waiting = _AHEAD  # the end: wait for every stretch
            yield from ready()
        finally:
            for item in waiting:
                if isinstance(item, Future):
                    item.cancel()
