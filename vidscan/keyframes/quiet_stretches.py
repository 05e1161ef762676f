"""Keyframes left undecoded where the stream's own sizes say nothing changed (I-frames first on a fixed
camera, read by PyAV: media_pyav.KeyframeReader asks before it decodes each keyframe).

An encoder spends bits on what changes. On a still scene the pictures between two keyframes cost what
the sensor's noise costs, about the same from one stretch to the next; something coming in costs many
times that. So a keyframe whose stretch before it cost no more than the clip's quiet stretches shows
the picture the keyframe before it showed, and decoding it (a 1080p keyframe costs about as much as all
the rest of a quiet stretch's work) tells nothing new.

The sizes are trusted only once the clip itself has shown that they tell: stretches that the pixel
comparison (iframes.KeyframeComparison) found alike measured, and then a change that came after such a
stretch cost more than the quiet ones by a wide margin. A constant-bitrate stream, whose stretches all
cost the same whatever happens, never shows that (or shows the opposite, a change as cheap as the quiet,
which ends the skipping for the clip), and every keyframe is decoded, as without this. So are the
keyframes of edited footage (a cut costs its keyframe, not the stretch before it).

What it can miss beyond what I-frames first misses: a change the encoder codes about as cheaply as the
noise (a person standing still who shifts a little, something creeping in over many stretches, a light
fading slowly) is seen at the next keyframe decoded anyway, at most _LOOK_AGAIN seconds later, or not at
all if it has gone by then."""

from __future__ import annotations

import math
import statistics
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .iframes import SparseCounts

_SAMPLES = 10  # quiet stretches measured before their median and spread stand for the clip's quiet
_KEPT = 60  # the latest quiet stretches the median and spread are taken over (a scene's noise drifts
# with the light over the day)
# A stretch is quiet while it costs at most the quiet median plus this many times the quiet stretches'
# median absolute deviation (their noise), and at least this share more than the median: a recorder's
# fixed-rate noise can make the deviation a few bytes.
_SPREADS = 6.0
_SHARE = 0.1
# A change must have cost this many times the quiet limit for the sizes to be trusted: a person walking
# in costs 3-5 times a quiet stretch of 1080p at CRF 23; a fixed-rate stream's changes cost what its
# quiet costs.
_SHOWN = 2.0
# Keyframes: each decision waits for what the pixel comparison found up to this many keyframes before
# (the reader decodes that far ahead of the detectors), so that the same file always gives the same
# decisions however the threads run.
_BEHIND = 8
# Seconds a decision waits at most. A guard: should a keyframe handed over never be seen, every later
# decision would wait this long (a draft of this module that never told the first keyframe's verdict
# made the benchmark hour take two hours, a minute a keyframe); after one such wait the decisions stop
# waiting for the rest of the run, and may then vary with the threads.
_STALL = 10.0
# Seconds: a keyframe at least this often is decoded whatever its stretch cost. The activity interval's
# (KeyframeOptions.activity_interval): a change the sizes hid is seen within the time a keyframe of
# ongoing activity stands for.
_LOOK_AGAIN = 20.0
# A keyframe whose own size moved from the one before by more than this many times the clip's typical
# move (the median of the latest ones) is decoded whatever its stretch cost: a change that came at the
# keyframe itself (a light switched on or off, a cut: an encoder's scene-cut detection puts a keyframe
# there) shows in its size, where a still scene's keyframes move by their noise (a tenth of a percent for
# a still picture with little noise, 5% for the loop of real noise in benchmarks/longcamera.py). At
# least _KEY_SHARE, so that a noiseless picture's keyframes, the same to the byte, do not make every
# keyframe's size a move. What changes a keyframe's size less (a lamp switched on in a corner) is seen at
# the next keyframe decoded.
_KEY_SPREADS = 6.0
_KEY_SHARE = 0.005


@dataclass(frozen=True)
class _Verdict:
    """What the detectors' thread found for one keyframe decoded (see QuietStretches.seen)."""

    number: int  # its place among the stream's keyframes
    bits: int | None
    differs: bool
    after_alike: bool
    moved: bool  # its own size moved from the keyframe's before it
    edited: bool


class QuietStretches:
    """Which keyframes to decode (see the module's doc). `decode` is asked on the reader's thread for
    every keyframe in the stream, in order, and `handed` told as each decoded one is handed over; `seen`
    is told on the detectors' thread what the pixel comparison found for it. A decision uses what was
    found up to _BEHIND keyframes before, and waits for it: the same file gives the same decisions
    however the threads run. Into `counts`: the keyframes left undecoded, and the gap between every two
    keyframes of the stream (the ffmpeg path, which reads no sizes, asks too, with none)."""

    behind = _BEHIND  # see media_pyav.KeyframeGate

    def __init__(self, counts: SparseCounts) -> None:
        self._counts = counts
        self._lock = threading.Condition()
        # What the decisions go by, changed only by decode() and by verdicts it applies:
        self._quiet: deque[int] = deque(maxlen=_KEPT)  # what the latest quiet stretches cost
        self._limit = math.inf  # bytes: a stretch costing more is no quiet one
        self._trusted = False  # a change has shown itself in the sizes
        self._ended = False  # the sizes do not tell, or the footage is edited: decode every keyframe
        self._last_time: float | None = None  # of the last keyframe in the stream
        self._last_decoded = -math.inf  # time of the last keyframe decoded
        self._last_bits: int | None = None  # what the stretch before the last keyframe cost
        self._last_size: int | None = None  # the last keyframe's own size
        self._size_moves: deque[float] = deque(maxlen=_KEPT)  # |log| of each keyframe's size over the last
        # Between the threads:
        self._count = 0  # keyframes asked about
        self._decoded: dict[float, tuple[int, bool]] = {}  # by time, decoded and not yet seen: number, moved
        self._unseen: dict[float, int] = {}  # handed over and not yet seen: number, by time
        self._verdicts: deque[_Verdict] = deque()  # seen and not yet applied
        self._waits = True  # False once the reader has stopped (ffmpeg asks on the detectors' thread)

    def decode(self, time: float, bits: int | None = None, size: int | None = None) -> bool:
        """Whether to decode the keyframe at `time`, of `size` bytes, whose stretch before it cost `bits`
        bytes (None for the first keyframe, and where the sizes are not read: the ffmpeg path)."""
        with self._lock:
            number, self._count = self._count, self._count + 1
            horizon = number - _BEHIND
            ready = self._lock.wait_for(
                lambda: not self._waits or all(seen > horizon for seen in self._unseen.values()), _STALL
            )
            if not ready:
                self._waits = False
            while self._verdicts and self._verdicts[0].number <= horizon:
                self._apply(self._verdicts.popleft())
            if self._last_time is not None:
                self._counts.gaps[round((time - self._last_time) * 1000)] += 1
            self._last_time = time
            before, self._last_bits = self._last_bits, bits
            moved = self._size_moved(size)
            cheap = (
                self._trusted
                and not self._ended
                and bits is not None
                and before is not None
                and max(bits, before) <= self._limit  # and the stretch before: the keyframe after a change
                # shows where it ended
                and not moved
            )
            if cheap and time - self._last_decoded < _LOOK_AGAIN:
                self._counts.skipped += 1
                return False
            self._decoded[time] = (number, moved)
            self._last_decoded = time
            return True

    def handed(self, time: float) -> None:
        """The keyframe decoded at `time` is handed over to the detectors' thread."""
        with self._lock:
            if time in self._decoded:
                self._unseen[time] = self._decoded[time][0]

    def lost(self, time: float) -> None:
        """The keyframe decoded at `time` gave no picture (a damaged frame): it will not be seen."""
        with self._lock:
            self._decoded.pop(time, None)
            self._unseen.pop(time, None)
            self._lock.notify_all()

    def seen(self, time: float, bits: int | None, differs: bool, after_alike: bool, edited: bool) -> None:
        """What the pixel comparison found for the keyframe decoded at `time` against the last one decoded:
        `differs`. `bits`: what its stretch cost when that last one is its neighbour (None when keyframes
        between them were left undecoded); `after_alike`: the two keyframes decoded before were
        neighbours and alike (this is a change after a still scene, the kind the sizes must show);
        `edited`: the footage is edited (a cut costs its keyframe, not the stretch before it)."""
        with self._lock:
            number, moved = self._decoded.pop(time, (self._count, True))
            self._unseen.pop(time, None)
            self._verdicts.append(_Verdict(number, bits, differs, after_alike, moved, edited))
            self._lock.notify_all()

    def release(self) -> None:
        """No decision waits from here (the reader has stopped: ffmpeg goes on, or the run ends)."""
        with self._lock:
            self._waits = False
            self._lock.notify_all()

    def _apply(self, verdict: _Verdict) -> None:
        if verdict.edited:
            self._ended = True
        if verdict.bits is None:
            return
        if not verdict.differs:
            self._quiet.append(verdict.bits)
            if len(self._quiet) >= _SAMPLES:
                median = float(statistics.median(self._quiet))
                spread = float(statistics.median(abs(size - median) for size in self._quiet))
                self._limit = median + max(_SPREADS * spread, _SHARE * median)
        elif verdict.after_alike and not self._trusted and math.isfinite(self._limit):
            if verdict.bits > _SHOWN * self._limit:
                self._trusted = True
            elif verdict.bits <= self._limit and not verdict.moved:
                # A change that cost no more than the quiet, and not at the keyframe itself (whose size
                # would have moved): the sizes do not tell.
                self._ended = True

    def _size_moved(self, size: int | None) -> bool:
        """Whether this keyframe's size moved from the last one's by more than the clip's keyframes do."""
        last, self._last_size = self._last_size, size
        if size is None or last is None or size <= 0 or last <= 0:
            return True
        move = abs(math.log(size / last))
        typical = statistics.median(self._size_moves) if len(self._size_moves) >= _SAMPLES else math.inf
        self._size_moves.append(move)
        return move > max(_KEY_SPREADS * typical, _KEY_SHARE)
