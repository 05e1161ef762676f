"""Edited footage: cuts (PySceneDetect AdaptiveDetector) and fades to black (ThresholdDetector)."""

from __future__ import annotations

import math
from array import array
from collections import deque
from dataclasses import replace
from typing import Any

import cv2
import numpy as np

from .dissolves import SPAN as DISSOLVE_SPAN
from .dissolves import DissolveDetector
from .frames import Candidate, FrameView, Matte
from .options import KeyframeOptions
from .pyscenedetect import AdaptiveDetector, FrameTimecode, ThresholdDetector
from .scores import coloured, hsv_change
from .scroll import jumped

# A recorder that writes more frames than its camera captured (a DVR writing 25 or 30 frames/s from a
# camera at 12.5, a screen recorder's fixed rate) repeats each picture until the next, coded again with
# its compression's touch-ups. The cut detector weighs a frame's change against the frames around it, and
# those repeats, changing next to nothing, made any movement stand out as a cut. A frame is such a repeat
# when it changed by less than a tenth of the last frame the cut detector weighed (a repeat's touch-ups:
# a hundredth of a moving picture's change) within a quarter second of it (cameras capture 4 frames/s or
# more). A change the size of a cut counts as the least a cut changes (min_content), so that the frames
# after a cut are not taken for its repeats. A still picture is no repeat: its frames count (a slide
# after a pause is a cut). Nor is the frame after a cut-sized change out of a still picture (one that
# changed by less than a grey level: compression's and a sensor's noise): a page's jump out of a rest is
# weighed against it as against the rest before it, even when the next jump comes a fifth of a second
# later (a mouse wheel's notches, a terminal scrolling in bursts), where a camera's movement begins
# smaller than a cut.
_REPEAT = 0.1
_PADDING = 0.25
_STILL = 1.0


class FastAdaptiveDetector(AdaptiveDetector):
    """PySceneDetect's AdaptiveDetector with its frame score computed by OpenCV (the mean absolute
    difference of hue, saturation and value from the previous frame) without NumPy's int32 copies of
    every channel, and without the hue and saturation of grey pixels, which are noise
    (scores.hsv_change): on a colourful picture PySceneDetect's numbers. (A score modelled from the
    YUV planes would cost less, but it matches PySceneDetect's only to a correlation of 0.86.)"""

    # The previous frame: its picture, in HSV, and its colours.
    _last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    # The frame measured last (measure) and its change from the frame before it.
    _measured: tuple[np.ndarray, float] | None = None

    def __init__(self, flashes: bool = True, **kwargs: Any) -> None:
        """`flashes`: filter flashes (below); not for frames seconds apart (I-frames first), where the
        picture a few frames after a cut may be the first shot's again for real."""
        super().__init__(**kwargs)
        # HSV, colours and the frame itself of the frames from the one before a cut reported now to the
        # current one (a cut is reported `window_width` frames after it): whether a cut was a flash, or a
        # page's jump (its grey picture is made only then, from the frames kept).
        keep = self.window_width + 2 if flashes else 0
        self._recent: deque[tuple[np.ndarray, np.ndarray, FrameView | None]] = deque(maxlen=keep)
        self._frame: FrameView | None = None
        self.jumps: set[int] = set()  # frame numbers of the cuts that were a page's jump

    def process_frame(
        self, timecode: FrameTimecode, frame_img: np.ndarray, frame: FrameView | None = None
    ) -> list[FrameTimecode]:
        """PySceneDetect's cuts, but a flash: a camera's flash or a damaged frame changes the picture
        twice in a row, into it and out of it, and the picture `window_width` frames after it is the
        picture before it again (they differ by less than any cut does, min_content_val). That is no
        cut. (PySceneDetect's ContentDetector filters flashes; its AdaptiveDetector does not.) A cut
        where the frame after it is the frame before it shifted (their grey pictures at the analysis size,
        from `frame` and the frames before it; scroll.jumped) is a page's jump: noted in `jumps`."""
        self._frame = frame
        last_cut: FrameTimecode | None = self._last_cut  # type: ignore[has-type]
        cuts: list[FrameTimecode] = super().process_frame(timecode, frame_img)
        recent = self._recent
        if cuts and recent.maxlen and len(recent) == recent.maxlen:
            (before, before_mask, before_frame), (after, after_mask, _) = recent[0], recent[-1]
            weights = (self._weights.delta_hue, self._weights.delta_sat, self._weights.delta_lum)
            if hsv_change(after, before, weights, (after_mask, before_mask)) < self.min_content_val:
                self._last_cut = last_cut  # nor does it start a shot that keeps the next cut away
                return []
            cut_frame = recent[1][2]
            if (
                before_frame is not None
                and cut_frame is not None
                and jumped(before_frame.gray, cut_frame.gray)
            ):
                self.jumps.update(cut.frame_num for cut in cuts)
        return cuts

    def measure(self, frame_img: np.ndarray) -> float:
        """How much `frame_img` changed from the frame measured before it (its content score), whether or
        not it is then given to process_frame, which takes the score measured here. inf where the score
        needs the frame's timecode (edges, a stats manager)."""
        weights = self._weights
        if weights.delta_edges > 0.0 or self.stats_manager is not None:
            return math.inf
        last = self._last
        if last is not None and frame_img is last[0]:
            change = 0.0  # the same picture, shared by FrameView.same_picture_as: nothing changed
        else:
            hsv = cv2.cvtColor(frame_img, cv2.COLOR_BGR2HSV)
            mask = coloured(hsv)
            self._last = frame_img, hsv, mask
            change = 0.0
            if last is not None:
                components = (weights.delta_hue, weights.delta_sat, weights.delta_lum)
                change = hsv_change(hsv, last[1], components, (mask, last[2]))
        self._measured = frame_img, change
        return change

    def _calculate_frame_score(self, timecode: FrameTimecode, frame_img: np.ndarray) -> float:
        weights = self._weights
        if weights.delta_edges > 0.0 or self.stats_manager is not None:
            return float(super()._calculate_frame_score(timecode, frame_img))
        measured = self._measured
        change = measured[1] if measured is not None and measured[0] is frame_img else self.measure(frame_img)
        last = self._last
        if last is not None:
            self._recent.append((last[1], last[2], self._frame))
        return change


class SceneDetector:
    """Finds shot boundaries; proposes one keyframe per shot, from the middle half of the shot."""

    def __init__(
        self,
        options: KeyframeOptions,
        fps: float,
        step: int = 1,
        sparse: bool = False,
        matte: Matte | None = None,
    ) -> None:
        self._fps = fps if fps > 0 else 25.0
        self._matte = matte  # black bars around the picture: a dissolve is looked for inside them
        # Timecodes made with a timecode as their rate skip PySceneDetect's float-to-fraction conversion
        # (a Fraction built for every frame).
        self._rate = FrameTimecode(0, self._fps)
        self.times = array("d")  # of every frame: cuts are looked for between any two
        # Fades take a second or so: every `step`-th frame is enough for them.
        self._step = step
        self._fade_times = array("d")
        self._fade_rate = FrameTimecode(0, self._fps / step)
        self._fade_timecode = self._fade_rate
        self._min_shot = options.min_shot
        # Frames are counted for PySceneDetect's minimum scene length; sparse frames (I-frames first) are
        # far apart, so there the shortest shot is kept by time only (see _boundaries).
        min_len = 1 if sparse else max(1, int(round(options.min_shot * self._fps)))
        self._cut_detector = FastAdaptiveDetector(
            flashes=not sparse,
            adaptive_threshold=options.adaptive_threshold,
            min_scene_len=min_len,
            min_content_val=options.min_content,
        )
        self._fade_detector = ThresholdDetector(
            threshold=options.fade_threshold, min_scene_len=max(1, min_len // step)
        )
        self._dissolves = DissolveDetector(self._fps / step, options.min_content)
        self.transitions: list[tuple[float, float]] = []  # (start, end) of dissolves, filled by finish()
        self._content: list[FrameTimecode] = []
        # The time of the last frame the cut detector weighed (not a repeat, _REPEAT) and the change a
        # repeat is measured against; the numbers of the last few: cuts are reported `window_width` late.
        self._weighed = (-math.inf, 0.0)
        self._out_of_still = False  # the last frame weighed changed by a cut's size out of a still picture
        self._fed: deque[int] = deque(maxlen=self._cut_detector.window_width + 2)
        self._fades: list[FrameTimecode] = []
        self._timecode = self._rate
        # (time, "cut" | "fade" | "dissolve" | "page-jump"), filled by finish()
        self.cuts: list[tuple[float, str]] = []

    def process(self, frame: FrameView) -> None:
        self._timecode = FrameTimecode(len(self.times), self._rate)
        if not self._repeat(frame.time, self._cut_detector.measure(frame.half)):
            self._fed.append(len(self.times))
            self._content += self._cut_detector.process_frame(self._timecode, frame.half, frame)
        if len(self.times) % self._step == 0:
            self._fade_timecode = FrameTimecode(len(self._fade_times), self._fade_rate)
            self._fade_times.append(frame.time)
            # ThresholdDetector only takes the frame's mean: one pixel of the mean colour has the same.
            self._fades += self._fade_detector.process_frame(self._fade_timecode, frame.mean_colour)
            self._dissolves.process(frame.time, self._inside_bars(frame.half))
        self.times.append(frame.time)

    def _repeat(self, time: float, change: float) -> bool:
        """Whether the frame at `time`, which changed by `change`, repeats the picture the cut detector
        weighed last (_REPEAT): a recorder's padding, which it does not count as a frame. The frame after
        a cut-sized change out of a still picture always counts."""
        weighed, weighed_change = self._weighed
        if self._out_of_still:
            self._out_of_still = False
            return False
        if time - weighed <= _PADDING and change < _REPEAT * weighed_change:
            return True
        cut_size = self._cut_detector.min_content_val
        self._out_of_still = change >= cut_size and weighed_change < _STILL
        self._weighed = (time, min(change, max(weighed_change, cut_size)))
        return False

    def _inside_bars(self, half: np.ndarray) -> np.ndarray:
        """`half` (the frame at half the analysis size) inside its black bars: the bars take no part in a
        dissolve, and their black against a picture whose exposure moves looked like the whole picture
        changing (a car parking close to the camera)."""
        if self._matte is None or self._matte.box is None:
            return half
        x, y, w, h = (v // 2 for v in self._matte.box)
        return half[y : y + h, x : x + w]

    @property
    def found(self) -> int:
        """Cuts and fades found so far (a page's jumps are no edit)."""
        return len(self._content) - len(self._cut_detector.jumps) + len(self._fades)

    def finish(self) -> list[Candidate]:
        self._content += self._cut_detector.post_process(self._timecode)
        self._fades += self._fade_detector.post_process(self._fade_timecode)
        self._dissolves.finish()
        self.cuts = self._boundaries()
        times = self.times
        return shot_candidates(self.cuts, times[-1] if len(times) else 0.0, self.transitions)

    def so_far(self, end: float) -> list[Candidate]:
        """The shots found up to now, without ending the pass; the open last shot's pick range is
        unbounded (math.inf): where its keyframe lies depends on where the shot will end."""
        shots = shot_candidates(self._boundaries(), end, self.transitions)
        if shots:
            shots[-1] = replace(shots[-1], pick=(shots[-1].pick[0], math.inf))
        return shots

    def horizon(self) -> float:
        """No cut found later will lie before this time: cuts are reported `window_width` frames late
        (of those the cut detector weighed: not a recorder's repeats), and a fade's cut lies between its
        fade-out and fade-in."""
        times = self.times
        if not len(times):
            return 0.0
        fed = self._fed
        horizon = times[fed[0]] if len(fed) == fed.maxlen else 0.0
        fade = self._fade_detector.last_fade
        if fade.get("type") == "out" and fade.get("frame") is not None:
            fade_frame = fade["frame"].frame_num - 1
            horizon = min(horizon, self._fade_times[fade_frame] if fade_frame >= 0 else 0.0)
        return horizon

    def _boundaries(self) -> list[tuple[float, str]]:
        times = self.times

        # Detectors count frames; map frame numbers back to real timestamps.
        def to_time(tc: FrameTimecode, times: array[float]) -> float:
            return times[min(tc.frame_num, len(times) - 1)]

        jumps = self._cut_detector.jumps
        hard = [(to_time(t, times), "page-jump" if t.frame_num in jumps else "cut") for t in self._content]
        hard += [(to_time(t, self._fade_times), "fade") for t in self._fades]

        # A dissolve with no cut or fade found inside it is a boundary of its own, at its middle. A fade
        # out to black (or in from it) blends the shot with black, and is a dissolve too: the fade's
        # boundary lies in the black, up to a dissolve's span after the fade-out (or before the fade-in).
        def within(start: float, end: float, time: float, kind: str) -> bool:
            near = DISSOLVE_SPAN if kind == "fade" else 0.0
            return start - near <= time <= end + near

        self.transitions = [
            (start, end)
            for start, end in self._dissolves.transitions
            if not any(within(start, end, time, kind) for time, kind in hard)
        ]
        tagged = sorted(hard + [((start + end) / 2, "dissolve") for start, end in self.transitions])
        cuts: list[tuple[float, str]] = []
        for time, kind in tagged:  # a fade within min_shot of a cut is the same boundary
            if time > 0 and not (cuts and time - cuts[-1][0] < self._min_shot):
                cuts.append((time, kind))
        return cuts


def shot_candidates(
    cuts: list[tuple[float, str]], end: float, transitions: list[tuple[float, float]] | None = None
) -> list[Candidate]:
    """One candidate per shot, taken from its middle half: never the first frame after a cut, nor a
    frame of a dissolve (`transitions`) at either end."""
    bounds = [(0.0, "start"), *cuts]
    out = []
    for i, (start, reason) in enumerate(bounds):
        stop = bounds[i + 1][0] if i + 1 < len(bounds) else end + 1e-3
        lo, hi = start, stop
        for begins, ends in transitions or []:
            if begins <= lo < ends:
                lo = ends
            if begins < hi <= ends:
                hi = begins
        if hi <= lo:  # a shot that is all dissolve: its middle
            lo, hi = start, stop
        quarter = (hi - lo) / 4
        out.append(Candidate(reason, start, (lo + quarter, max(hi - quarter, lo + quarter + 1e-3)), 2.0))
    return out
