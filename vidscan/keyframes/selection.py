"""One decode pass feeding every detector; the plan (plan.py) turns their candidates into keyframes."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import replace

import cv2
import numpy as np

from .. import media
from ..types import Keyframe, KeyframeSelection, VideoInfo
from . import plan
from .early import EarlyKeyframes, StableFn
from .frames import Box, FrameStats, FrameView, Matte
from .iframes import CODECS, KeyframeComparison, SparseCounts, keyframes_decode_alone, sparse_frames
from .motion import CameraChange, MotionDetector
from .options import DETECTORS, STRATEGIES, KeyframeOptions
from .plan import apply_budget, choose, drop_repeats, keyframes_of, plan_candidates
from .scenes import SceneDetector
from .scroll import ScrollDetector
from .text import TextDetector

ProgressFn = Callable[[int, float], None]  # (frames decoded so far, time reached in seconds)

_SCREEN_WINDOW = 10.0  # seconds: a screen stands still at least this often (between keys, while the
# pointer rests); a camera's sensor noise never lets a frame repeat
# Seconds the text detector rests before ffmpeg is restarted without its pictures. A restart (and the one
# back when a screen comes) costs the decode of up to a keyframe interval, which a minute without the
# pictures repays at 1080p; doubled after each wake, so that footage switching between camera and
# screens does not pay for restarts again and again.
_DROP_AFTER = 60.0
# Footage with plan.EDITED_CUTS cuts within this many seconds is edited (three times the cut rate over
# which auto calls a video edited and uses no motion keyframes): the motion detector rests there.
_EDITED_WINDOW = 120.0


# Seconds between two frames from which the first is a picture held on screen, even where that is the
# stream's own frame interval: cameras that record events keep frames closer than this (a recorder at 1
# frame/s), a slide stays up for longer.
_HELD = 2.0
# Seconds of the last picture's hold up to the video's end that the detectors are shown: enough for any
# of them to see it settle (the slowest waits 1.5 s), and a claimed duration far past the last frame (a
# recording cut off) costs no more.
_LAST_HELD = 5.0
# A file cut short (a recorder that lost power, a copy interrupted) keeps the index written at its start:
# it promises a duration and a number of frames that its data does not hold. Cut short when the full
# pass decoded fewer than _CUT_SHORT of the frames the index counts and its pictures end
# _CUT_SHORT_SECONDS or more before the duration claimed. A whole file decodes 98.8-100% of its count
# (the 27 shared clips: a few repeated frames dropped), and a still last picture held to the end (a slide
# deck's) is one frame counted.
_CUT_SHORT = 0.9
_CUT_SHORT_SECONDS = 1.0


class HeldFrames:
    """A variable-rate stream (a GIF made into a video, a screen recorder) sends a new frame only when
    its picture changes, and holds it on screen in between, for a second or more. Copies of the held
    picture at the analysis rate let every detector see that time pass: a screen that stood still for
    a second has settled, whether it came as ten frames or one. A camera's steady stream that stops for a
    while was not recording (`gaps`): nothing is held there."""

    def __init__(self, rate: float, fps: float) -> None:
        self._interval = 1.0 / (rate if rate > 0 else fps)
        self._cadence = media.Cadence(1.0 / fps)

    @property
    def gaps(self) -> list[tuple[float, float]]:
        """(start, end) of the stretches not recorded."""
        return self._cadence.gaps

    def between(self, previous: FrameView, frame: FrameView, rendered: bool = False) -> list[FrameView]:
        """Copies of `previous` held up to `frame`; `rendered`: the last look was a screen's picture."""
        if self._cadence.gap(frame.time - previous.time, previous.time, frame.time, rendered):
            return []
        return self.until(previous, frame.time)

    def until(self, previous: FrameView, end: float) -> list[FrameView]:
        """Copies of `previous` on screen up to `end` (the next frame's time, or the video's end)."""
        gap = end - previous.time
        # A gap of one frame interval of the stream (a camera at 5 frames/s) holds nothing back; but a
        # picture held _HELD seconds or more is on screen however the stream stores it (a slide deck
        # made into a video of one frame per slide).
        finest = self._cadence.finest
        if gap <= 1.5 * self._interval or (gap <= 1.5 * finest and gap < _HELD):
            return []
        copies = int(gap / self._interval - 0.5)
        return [previous.held_copy(previous.time + k * self._interval) for k in range(1, copies + 1)]


def analysis_step(fps: float, rate: float) -> int:
    """Look at every n-th frame, so that the detectors see about `rate` frames a second (never fewer)."""
    if rate <= 0 or fps <= 0:
        return 1
    return max(1, int(fps / rate + 1e-6))


class _Pass:
    """The detectors a strategy needs, fed from one decode."""

    def __init__(self, info: VideoInfo, options: KeyframeOptions, crop: media.Crop | None = None) -> None:
        """`crop`: the part of the picture to analyse (the picture inside black bars, see _Reframe)."""
        fps = info.frame_rate
        self.crop = crop
        self._box: tuple[Box | None, float] = (None, 0.0)  # the matte's box, and since when
        # I-frames first: frames come sparse where nothing changes (only the keyframes).
        self.sparse = SparseCounts() if options.iframes_first else None
        wants = DETECTORS.get(options.strategy, ())
        if self.sparse is not None:
            wants = tuple(w for w in wants if w != "text")  # its pictures would need every frame
        # Cuts are looked for in every frame (a cut's contrast with the frames around it fades when
        # frames are skipped); everything else every `step`-th frame, and text every `text_step`-th.
        # Sparse frames for cuts only are all looked at; with motion, the decoded stretches at the
        # analysis rate like a full pass, and every keyframe.
        dense = self.sparse is None or "motion" in wants
        self.step = analysis_step(fps, options.analysis_rate) if dense else 1
        self.options = options
        self.hardware = media.HardwareDecode(options.hwaccel)
        self.matte = Matte()  # black bars around the picture, if any
        self.stats = FrameStats(self.matte, crop)
        self._cuts_seen = 0
        self._recent_cuts: deque[float] = deque()
        self._holds = HeldFrames(options.analysis_rate, fps)
        self.scenes = SceneDetector(options, fps, self.step, sparse=self.sparse is not None, matte=self.matte)
        self.motion = (
            MotionDetector(
                options, fps / self.step, info.width, sparse=self.sparse is not None, matte=self.matte
            )
            if "motion" in wants
            else None
        )
        # How two keyframes are compared: for cuts; with the motion detector, also as a fixed camera.
        self.comparison = KeyframeComparison(
            options.iframe_change, CameraChange(info.width, self.motion.clock) if self.motion else None
        )
        self.text = TextDetector(options) if "text" in wants else None
        # Under auto, a rendered picture that scrolls on without a rest (no screen for the text detector).
        self.scroll = ScrollDetector() if self.text and options.strategy == "auto" else None
        # Under auto, text keyframes are used only in shots that look like screens (mostly frames with
        # not a pixel changed, in rendered flat blocks, see plan.shot_kinds): where no such frame has
        # come for `_SCREEN_WINDOW` seconds (a camera, a film), the text detector's edges are not worth
        # finding.
        self._screens_only = options.strategy == "auto"
        self._still_at = 0.0  # the last still, rendered frame (no pixel changed from the look before)
        # While it rests long, ffmpeg does not even make its pictures (see media.decode_switchable).
        self.detail_switch = media.DetailSwitch() if self.text and self._screens_only else None
        self._drop_after = _DROP_AFTER
        self.text_step = self.step * analysis_step(fps / self.step, options.text_rate)

    def run(
        self,
        info: VideoInfo,
        progress: ProgressFn | None,
        early: EarlyKeyframes | None,
        waiting: media.WaitingDecoder | None = None,
    ) -> None:
        # ffmpeg's decoding threads keep the cores busy; OpenCV's own thread pool would only spin
        # against them (Canny costs twice the CPU time with it).
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            self._run(info, progress, early, waiting)
        finally:
            cv2.setNumThreads(threads)

    def _run(
        self,
        info: VideoInfo,
        progress: ProgressFn | None,
        early: EarlyKeyframes | None,
        waiting: media.WaitingDecoder | None,
    ) -> None:
        if self.sparse is not None:
            size = self.options.analysis_size
            frames = sparse_frames(info, size, self.comparison, self.sparse, self.hardware)
        elif self.detail_switch is not None:
            size, text_size, step = self.options.analysis_size, self.options.text_size, self.text_step
            frames = media.decode_switchable(
                info, size, text_size, step, self.detail_switch, waiting, self.hardware, self.crop
            )
        else:
            frames = media.decode_small(
                info,
                self.options.analysis_size,
                detail_side=self.options.text_size if self.text else 0,
                detail_step=self.text_step,
                waiting=waiting,
                hardware=self.hardware,
                crop=self.crop,
            )
        try:
            self._look_at(info, frames, progress, early)
        finally:
            frames.close()  # ends ffmpeg when the pass stops early (a _Reframe, an error)

    def _look_at(
        self,
        info: VideoInfo,
        frames: Generator[media.DecodedFrame, None, None],
        progress: ProgressFn | None,
        early: EarlyKeyframes | None,
    ) -> None:
        number, next_report = -1, 0
        previous: FrameView | None = None
        # Sparse frames are numbered by time x fps, which drifts from their place in the stream: the
        # frames of a decoded stretch are looked at by time instead, `step` frames apart.
        look_every = (self.step - 0.5) / info.frame_rate
        next_look = -math.inf
        for decoded in frames:
            number = decoded.number
            frame = FrameView(decoded.time, decoded.yuv, decoded.detail)
            if previous is not None:
                frame.same_picture_as(previous)
            if previous is not None and self.sparse is None:  # sparse frames skip time on purpose
                for held in self._holds.between(previous, frame, self.stats.rendered()):
                    self._look(held, text_look=held.detail is not None, early=early)
            previous = frame
            self.scenes.process(frame)
            if self.sparse is not None and self.step > 1:
                if frame.time < next_look:
                    continue
                next_look = frame.time + look_every
            elif number % self.step:
                continue
            self._look(frame, text_look=number % self.text_step == 0, early=early)
            self._reframe(frame, early)
            if progress and number >= next_report:
                progress(number + 1, decoded.time)
                next_report = number + 10 * self.step
        if previous is not None and self.sparse is None:  # the last picture stays up to the end
            end = min(info.duration, previous.time + _LAST_HELD)
            for held in self._holds.until(previous, end):
                self._look(held, text_look=held.detail is not None, early=early)
        if progress:
            times = self.scenes.times
            progress(number + 1, times[-1] if len(times) else 0.0)

    def _look(self, frame: FrameView, text_look: bool, early: EarlyKeyframes | None) -> None:
        """Every detector but the cut detector looks at this frame (the cut detector has seen it)."""
        self.matte.see(frame.gray)
        self.stats.add(frame)
        if self.motion:
            edited = self._edited(frame.time)
            # Under auto, keyframes of edited footage are compared for cuts only: the motion detector
            # rests there, and its notion of change would decode every stretch with anything moving.
            self.comparison.camera = not edited
            if edited:
                self.motion.rest()
            else:
                self.motion.process(frame)
        if self.scroll:
            self.scroll.process(frame, self.stats.rendered())
        if self.text:
            self._look_for_text(frame, text_look, self.text)
        if early is not None:
            early.after_frame(self, frame.time)

    def _reframe(self, frame: FrameView, early: EarlyKeyframes | None) -> None:
        """Raise _Reframe when black bars frame the picture from its first seconds (see _Reframe)."""
        if self.crop is not None or self.sparse is not None or frame.time > _REFRAME_WITHIN:
            return
        box = self.matte.box
        if box != self._box[0]:
            self._box = (box, frame.time)
            return
        if box is None or frame.time - self._box[1] < _BARS_STEADY or (early is not None and early.sent):
            return
        x, y, w, h = box
        height, width = frame.gray.shape
        if w > _WORTH_REFRAMING * width and h > _WORTH_REFRAMING * height:
            return
        raise _Reframe((x / width, y / height, w / width, h / height))

    def _edited(self, now: float) -> bool:
        """Under auto, whether the footage around `now` is edited: auto uses no motion keyframes in it,
        and the motion detector rests (its background model is half the pass's cost)."""
        if self.options.strategy != "auto":
            return False
        while self._cuts_seen < self.scenes.found:
            self._cuts_seen += 1
            self._recent_cuts.append(now)
        while self._recent_cuts and now - self._recent_cuts[0] > _EDITED_WINDOW:
            self._recent_cuts.popleft()
        return len(self._recent_cuts) >= plan.EDITED_CUTS

    def _look_for_text(self, frame: FrameView, text_look: bool, text: TextDetector) -> None:
        """`text_look`: one of the frames the text detector looks at (process() skips those without a
        detail picture: ffmpeg leaves them out while the detector rests long)."""
        stats = self.stats
        still = bool(stats.still[-1])
        if still and stats.rendered():
            self._still_at = frame.time
        switch = self.detail_switch
        resting = frame.time - self._still_at - _SCREEN_WINDOW if self._screens_only else 0.0
        if resting > 0:
            if text_look:
                text.pause(frame)
            if switch is not None and resting > self._drop_after:
                switch.wanted = False
            return
        if switch is not None and not switch.wanted:
            switch.wanted = True
            self._drop_after *= 2
        # After a long rest the pictures come back a few frames after the wake; until then process()
        # skips the frames, and the pauses of the rest already count the screen as changing.
        text.process(frame, stats.live.blocks)

    def activity(self) -> np.ndarray:
        source = self.motion.activity if self.motion else self.stats.change
        return np.frombuffer(source, np.float32)

    @property
    def gaps(self) -> list[tuple[float, float]]:
        """(start, end) of the stretches a steady camera did not record (media.Cadence). With I-frames
        first the reader finds them in the packets' times, before anything is looked at: a screen's
        picture last looked at before one is held on screen instead (a screen recorder's pause)."""
        if self.sparse is None:
            return self._holds.gaps
        stats = self.stats
        return [
            gap
            for gap in self.sparse.not_recorded
            if (before := stats.index_at(gap[0]) - 1) < 0 or not stats.rendered(before)
        ]

    def camera_moved(self) -> np.ndarray:
        """Per frame looked at: whether the whole picture changed (or nobody looked for it)."""
        if self.motion is None:
            return np.zeros(len(self.stats), bool)
        return np.frombuffer(self.motion.moved, np.uint8).astype(bool)

    def detected(self, end: float | None = None) -> plan.Detected:
        """(shots, motion, text, scrolled) candidates: final when `end` is None (the pass is over), else
        those found up to `end` without ending the pass."""
        scroll = self.scroll
        scrolled = [] if scroll is None else scroll.candidates() if end is not None else scroll.finish()
        if end is None:
            return (
                self.scenes.finish(),
                self.motion.finish() if self.motion else [],
                self.text.finish() if self.text else [],
                scrolled,
            )
        return (
            self.scenes.so_far(end),
            self.motion.so_far() if self.motion else [],
            self.text.so_far() if self.text else [],
            scrolled,
        )

    def horizons(self, now: float) -> dict[str, float]:
        """Per detector: no candidate it finds later will start before this time."""
        if self.options.strategy == "interval":
            return {}
        out = {"scenes": min(now, self.scenes.horizon())}
        if self.motion:
            out["motion"] = self.motion.horizon(now)
        if self.text:
            out["text"] = self.text.horizon(now)
        if self.scroll:
            out["scroll"] = self.scroll.horizon(now)
        return out


def _activity_curve(
    values: np.ndarray, times: np.ndarray, points: int = 600
) -> tuple[tuple[float, float], ...]:
    """Per-frame activity, downsampled to at most `points` (time, 0..1) pairs by taking bin maxima."""
    if not len(values):
        return ()
    peak = float(values.max()) or 1.0
    bins = np.array_split(np.arange(len(values)), min(points, len(values)))
    return tuple(
        (round(float(times[b[0]]), 3), round(float(values[b].max()) / peak, 4)) for b in bins if len(b)
    )


def _renumber(keyframes: list[Keyframe]) -> list[Keyframe]:
    """Indices 0..n-1 in time order; duplicate_of links follow their targets (or go if the target went)."""
    new_index = {kf.index: i for i, kf in enumerate(keyframes)}
    out = []
    for i, kf in enumerate(keyframes):
        dup = new_index.get(kf.duplicate_of) if kf.duplicate_of is not None else None
        out.append(replace(kf, index=i, duplicate_of=dup))
    return out


def _iframes_first(info: VideoInfo, options: KeyframeOptions) -> tuple[KeyframeOptions, str]:
    """The options the pass runs with, and a note for the report when I-frame-first was asked for but
    cannot be used."""
    if not options.iframes_first:
        return options, ""
    if options.strategy == "text":
        raise ValueError(
            "I-frames first cannot follow text changes (screens need every frame): use auto, scenes or motion"
        )
    if options.strategy == "interval":
        return replace(options, iframes_first=False), "I-frames first is not needed for even sampling"
    if info.codec not in CODECS:
        codec = info.codec or "unknown"
        return replace(options, iframes_first=False), f"I-frames first needs H.264 or H.265, not {codec}"
    if not keyframes_decode_alone(info):
        note = "I-frames first: the keyframes of this stream do not decode alone (an H.264 open GOP)"
        return replace(options, iframes_first=False), note
    return options, ""


# Black bars seen from a video's first seconds (a 4:3 screen recording or camera in a 16:9 file) are
# cropped away and the pass starts again: the picture inside is then analysed at the full analysis size,
# its text as legible and its blocks as flat as without bars. Within the first _REFRAME_WITHIN seconds
# (a restart then costs little of the decode), once the bars have stayed the same for _BARS_STEADY
# seconds, and where the picture inside is at most _WORTH_REFRAMING of the width or the height: 4:3 in
# 16:9 and 16:9 in 4:3 leave 75%, and the analysis gains a third of its pixels each way. Thinner bars
# cost it little, and a restart moves the analysis picture's grid of blocks against the picture, which
# for a screen recording with a lecturer's camera in it (Debian's forensics sample, bars of 5%) made
# its live area miss the camera's edge and the screen a camera. Later, or with I-frames first, the pass
# goes on and leaves the bars out of its measures (frames.Matte).
_REFRAME_WITHIN = 5.0
_BARS_STEADY = 1.0
_WORTH_REFRAMING = 0.8


class _Reframe(Exception):
    def __init__(self, crop: media.Crop) -> None:
        super().__init__("black bars: the pass starts again inside them")
        self.crop = crop


def _onwards(progress: ProgressFn | None, got_to: float) -> ProgressFn | None:
    """`progress` for a pass that starts again: quiet until it is past `got_to`, where the first one
    got (the time covered shown never goes back)."""
    if progress is None:
        return None

    def report(frames: int, time: float) -> None:
        if time >= got_to:
            progress(frames, time)

    return report


def select_keyframes(
    info: VideoInfo,
    options: KeyframeOptions | None = None,
    progress: ProgressFn | None = None,
    on_stable: StableFn | None = None,
    waiting: media.WaitingDecoder | None = None,
) -> KeyframeSelection:
    """Choose the frames that stand for the video, with the strategy `options.strategy` names.

    With `on_stable`, keyframes that are sure to be in the selection are passed to it while the pass
    still runs (see early.py), so that describing them can start long before the pass ends. `waiting`,
    an ffmpeg started while the video was probed, does the decode when it fits it."""
    options = options or KeyframeOptions()
    if options.strategy not in STRATEGIES:
        raise ValueError(f"unknown keyframe strategy {options.strategy!r}; one of {', '.join(STRATEGIES)}")
    options, note = _iframes_first(info, options)
    p = _Pass(info, options)
    early = EarlyKeyframes(options, info.duration, on_stable) if on_stable and info.duration > 0 else None
    try:
        p.run(info, progress, early, waiting)
    except _Reframe as bars:
        got_to = p.scenes.times[-1] if len(p.scenes.times) else 0.0
        p = _Pass(info, options, bars.crop)
        early = EarlyKeyframes(options, info.duration, on_stable) if early is not None and on_stable else None
        p.run(info, _onwards(progress, got_to), early, None)
    stats = p.stats
    times = np.frombuffer(stats.times, np.float64)
    last = p.scenes.times[-1]  # the last frame decoded (stats has every step-th)
    ended = last + (1.0 / info.fps if info.fps else 0.0)
    # Frames the stream holds: all decoded, or with I-frames first all read (None: not counted).
    frames = len(p.scenes.times) if p.sparse is None else p.sparse.frames
    cut_short = frames is not None and _cut_short(info, frames, ended)
    not_recorded = p.gaps  # no keyframe covers them
    duration = ended if cut_short else max(info.duration, ended)
    # Coverage and even sampling stop at the last picture: past it (a stream shorter than its file's
    # audio, a transport stream whose timestamps jump) every keyframe would be that picture again.
    candidates, strategy = plan_candidates(
        options.strategy, options, stats, p.camera_moved(), p.detected(), ended, ended, not_recorded
    )
    counts = p.sparse
    if counts is not None:
        gaps = max(counts.keyframes + counts.skipped - 1, 0)
        note = f"I-frames first: {counts.spans} of {gaps} keyframe gaps decoded"
        if counts.skipped:
            note += f", {counts.skipped} keyframes left undecoded (their stretches as cheap as quiet ones)"
    strategy += f" ({note})" if note else ""
    chosen, blank = choose(stats, candidates, duration, options.min_gap)
    raw = keyframes_of(stats, chosen, duration, [*blank, *not_recorded])
    final = _renumber(apply_budget(drop_repeats(raw, options.dedup_distance), options.max_frames, duration))
    return KeyframeSelection(
        video=info if info.duration and not cut_short else replace(info, duration=round(duration, 3)),
        keyframes=tuple(final),
        strategy=strategy,
        frames_decoded=len(p.scenes.times),
        cuts=tuple(round(t, 3) for t, kind in p.scenes.cuts if kind != "page-jump"),
        activity=_activity_curve(p.activity(), times),
        blank=tuple(blank),
        gaps=tuple(not_recorded),
        decode_mode="iframes-first" if counts is not None else "full",
        iframe_interval=round(counts.interval(), 3) if counts is not None and counts.gaps else None,
        iframe_interval_longest=round(counts.longest(), 3) if counts is not None and counts.gaps else None,
        hwaccel=p.hardware.describe(),
        hwaccel_error=p.hardware.failed,
        clock_band=p.motion.clock.band() if p.motion else None,
        claimed_duration=info.duration if cut_short else None,
    )


def _cut_short(info: VideoInfo, frames: int, ended: float) -> bool:
    """Whether a file's pictures, `frames` of them ending at `ended` seconds, stop well before what its
    index promises (see _CUT_SHORT)."""
    return bool(
        info.frame_count
        and frames < _CUT_SHORT * info.frame_count
        and ended + _CUT_SHORT_SECONDS <= info.duration
    )
