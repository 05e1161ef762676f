"""Fixed cameras: what moves against a background model, judged against the clip's own noise.

OpenCV's MOG2 background subtractor keeps, per pixel, a mixture of the values it has seen there (leaves in
wind and flicker become part of the background), and marks a pixel as foreground when its value lies
more than four standard deviations from every mode: the threshold is each pixel's own noise, not a
constant. Shadows (a darker version of the background) are not foreground. Foreground pixels form blobs
(connected components); a blob smaller than an object a viewer would name is noise. Blobs are followed
from look to look as tracks, and a track that travels (a person crossing, a car driving through) is an
event; a blob that flickers in place (a branch, a reflection) travels nowhere and is not.

Keyframes: as few as show every event while it is well in view (one more per `activity_interval` of a
long one), and the settled new state once nothing has moved for `settle` seconds, when the scene differs
from the state before (something left, something taken away); a sparse heartbeat when nothing happens.
A change of the whole picture (a cut, a moved camera, lights switched) starts the model again.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .frames import EDGE_STRIP, Candidate, FrameView, Matte, above, components
from .options import KeyframeOptions
from .overlay import Clock
from .sway import Stabiliser

_GLOBAL_CHANGE = 0.5  # share of the picture: more than this foreground at once is a cut or a moved camera
_HISTORY_SECONDS = 20.0  # how long the background model remembers: a person standing still longer
# becomes background (the settled state shows them)
_VARIANCE = 16.0  # MOG2's threshold on the squared distance in standard deviations: 4 sigma of each
# pixel's own noise
_RATE = 10.0  # looks per second: people and objects move slower than that
_MIN_OBJECT = 12 * 12  # source pixels: a blob smaller than this is nothing a viewer would name (the
# smallest person worth an event, 40 px tall in a 720x480 camera, covers four times as much)
_MIN_BLOB = 4  # analysis pixels: at least this, whatever the source size (single pixels are noise)
_LOST = 0.5  # seconds a track may go unseen (hidden, merged with another blob) before it ends
_MIN_LIFE = 0.5  # seconds: a track seen for less is a flicker (a car passing close to the camera is in view
# longer)
_TRAVEL = 0.5  # a track whose centre moved less than this share of its own size only shook in place
_SEEN = 0.5  # share of the looks of its life a track must be seen in: specks flicker
_CONFIRM = 3  # looks in a row that confirm a track the video's end cut short (a tracker's usual
# confirmation, as SORT's): less than _MIN_LIFE, but not one flicker
_STRAIGHT = 0.5  # a track's way from where it began over its path: more than back and forth
_LAG = 0.3  # seconds: motion is measured against the picture this long ago
# Seconds a quiet scene must have stood still when the video's end cuts it short of `settle` for its last
# state to count: as long as a screen must stand after drawing (KeyframeOptions.text_settle). A look or
# two of stillness at the end is a pause in what goes on. (A look that finds nothing moved has stood
# still since the picture _LAG before it.)
_LAST_STILL = 1.0
_SPECK = np.ones((2, 2), np.uint8)
_SQUARE = np.ones((3, 3), np.uint8)
_REACH = np.ones((5, 5), np.uint8)  # two pixels each way: what registering a swaying camera leaves
# (up to a pixel, more where a quarter of the picture is half covered), with a pixel to spare
_JOIN = 64  # pieces closer than this share of the picture's width are one object
_CLUTTER = 1 / 3  # an object's box holds foreground at least three times as densely as the ring around
# it, in some look of its life; in clutter (leaves in wind, rain, glittering water) any piece is as dense
# around as within (swaying foliage filling the picture: 0.4 to 0.7; people and cars: 0.3 at most)
_SAME_SURFACE = 0.8  # correlation over which a changed region is the background in other light
_GHOST = 4.0  # a ghost's outline: an edge the background model remembers at four times the picture's
_DARK = 16.0  # grey level under which a pixel's brightness says little about the exposure
# The background model's picture (what _in_front and the stabiliser compare with) costs as much to take
# as a look's update: it is taken again once the model has learnt this share of a new picture since
# (every 4 looks at the steady rate, where a look learns 1/history; every look while a new model learns
# fast). Meanwhile a change of the whole grey range shows in it by 5 levels at most, under the noise
# floor (_QUIET_FLOOR).
_STALE = 0.02
# Seconds the background model may rest on the picture it last learnt, repeated to the pixel (see
# MotionDetector._rests): the next look it takes learns the looks it missed, as after a stretch that
# I-frames first skips. A second: 5 s rested 70% of the pen lecture's looks against 67% (after a change
# the ink stays foreground for longer than either, and the model looks at every frame meanwhile).
_REST = 1.0
_QUIET_FLOOR = 8.0  # grey levels: a difference under this between two pictures is noise and
# compression, however still the clip (a hard-compressed still scene has a measured noise of zero)


def _noise_threshold(diff: np.ndarray) -> float:
    """A grey-level difference that stands out from this difference picture's own noise: most pixels
    of a fixed camera's picture do not change, so the median difference is the noise (sampled sparsely:
    the same median at a fraction of the cost)."""
    sample = diff[::3, ::3].ravel()
    middle = sample.size // 2
    median = float(np.partition(sample, middle)[middle]) if sample.size else 0.0
    return max(_QUIET_FLOOR, 4.0 * median)


def _changed(diff: np.ndarray) -> np.ndarray:
    """255 where a difference picture stands out from its own noise, in pieces of 2x2 or more (specks
    are noise)."""
    return cv2.morphologyEx(above(diff, _noise_threshold(diff)), cv2.MORPH_OPEN, _SPECK)


def _beyond_neighbours(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    """How far each pixel of `now` lies outside the range of `before` over its 5x5 neighbourhood: the
    difference of two pictures that a residual shift of a pixel or so (a registered sway) leaves
    alone, where an edge moved by a fraction of a pixel changes by much of its contrast."""
    return cv2.add(
        cv2.subtract(now, cv2.dilate(before, _REACH)), cv2.subtract(cv2.erode(before, _REACH), now)
    )


def _within(picture: np.ndarray, bounds: tuple[int, int, int, int]) -> np.ndarray:
    """`picture` cleared outside `bounds` (left, top, right, bottom)."""
    left, top, right, bottom = bounds
    if (left, top, right, bottom) == (0, 0, picture.shape[1], picture.shape[0]):
        return picture
    inner = np.zeros_like(picture)
    inner[top:bottom, left:right] = picture[top:bottom, left:right]
    return inner


def _something_moved(diff: np.ndarray, min_blob: int) -> bool:
    """Whether a difference picture shows something that moved: enough pixels changed (see _changed)."""
    return cv2.countNonZero(_changed(diff)) >= min_blob


def _exposure_gain(now: np.ndarray, before: np.ndarray) -> float | None:
    """The factor that brings `now` to the exposure of `before`: the median ratio over a sparse grid of
    pixels, so that a person filling a third of the picture does not sway it (None when too little of
    the picture is lit to tell)."""
    now, before = now[::4, ::4].astype(np.float32), before[::4, ::4].astype(np.float32)
    lit = (now > _DARK) & (before > _DARK)  # the ratio of dark pixels is mostly noise
    if np.count_nonzero(lit) < lit.size // 4:
        return None
    ratios = before[lit] / now[lit]
    middle = ratios.size // 2
    return float(np.partition(ratios, middle)[middle])


def min_blob(analysis_width: int, source_width: int) -> int:
    """Analysis pixels of the smallest object worth an event (_MIN_OBJECT source pixels)."""
    if not source_width:
        return _MIN_BLOB
    scale = analysis_width / source_width
    return max(_MIN_BLOB, int(_MIN_OBJECT * scale * scale))


class CameraChange:
    """Whether two pictures of a fixed camera taken seconds apart (two I-frames) differ the way the
    motion detector would notice between two looks: brought to the same exposure, enough pixels over
    the two pictures' own noise (the median difference, measured on the clip, see _noise_threshold) in
    pieces of 2x2 or more, at least the smallest object worth an event. Anything that moved, appeared
    or went between them shows; wind in leaves does too (the stretch is then decoded for nothing, which
    costs time, not keyframes)."""

    def __init__(self, source_width: int, clock: Clock | None = None) -> None:
        self._source_width = source_width
        self._clock = clock  # the motion detector's: a recorder's clock found there is left out here

    @staticmethod
    def picture(frame: FrameView) -> np.ndarray:
        return cv2.GaussianBlur(frame.gray, (3, 3), 0)  # as MotionDetector.process sees it

    def differs(self, before: np.ndarray, now: np.ndarray) -> bool:
        gain = _exposure_gain(now, before)
        if gain is not None and abs(gain - 1.0) >= 0.01:
            now = cv2.convertScaleAbs(now, alpha=gain)
        diff = cv2.absdiff(now, before)
        if self._clock is not None:
            diff = self._clock.hide(diff)
        return _something_moved(diff, min_blob(now.shape[1], self._source_width))


@dataclass
class _Blob:
    x: float
    y: float
    size: float  # diagonal of its bounding box, in analysis pixels
    area: int
    box: tuple[int, int, int, int]  # left, top, width, height
    surround: float = 0.0  # density of foreground in a ring around the box over that within it
    whole: bool = True  # its box keeps off the picture's edges: not seen in part, entering or leaving


@dataclass(frozen=True)
class _View:
    """Where a keyframe shows an event: from `start` to `end`, best within `whole` (the object
    wholly in the picture), where there is such a stretch. `before` and `after`: the seconds the object
    may be in view unseen on either side (hidden, merged with another blob): `_LOST`, but where it came
    in or went out at the picture's edge, no further than where it was first or last seen."""

    start: float
    end: float
    whole: tuple[float, float] | None
    before: float = _LOST
    after: float = _LOST


class _Track:
    """A blob followed from look to look."""

    def __init__(self, blob: _Blob, t: float, rate: float, attached: bool = False) -> None:
        self.rate = rate  # looks per second
        self.path = 0.0  # length of the way its centre went, look by look
        self.first = self.last = t
        self.x0, self.y0 = blob.x, blob.y
        self.x, self.y = blob.x, blob.y
        self.vx = self.vy = 0.0
        self.size = blob.size
        self.travel = 0.0
        self.samples = [(t, blob.area, blob.whole)]  # when it was seen, how large, whether whole
        self.came_from_edge = not blob.whole  # first seen at the picture's edge
        self.stood_out = blob.surround <= _CLUTTER  # from its surroundings, in some look
        self.unlooked = 0.0  # seconds of its life the detector did not look at (I-frames first)
        self.box = blob.box  # where it was last seen
        self.attached = attached  # first seen where another track was: a piece of it, its trail

    def predict(self, t: float) -> tuple[float, float]:
        dt = t - self.last
        return self.x + self.vx * dt, self.y + self.vy * dt

    def update(self, blob: _Blob, t: float) -> None:
        dt = max(t - self.last, 1e-3)
        self.vx = 0.5 * self.vx + 0.5 * (blob.x - self.x) / dt
        self.vy = 0.5 * self.vy + 0.5 * (blob.y - self.y) / dt
        self.path += math.hypot(blob.x - self.x, blob.y - self.y)
        self.x, self.y, self.last = blob.x, blob.y, t
        self.box = blob.box
        self.size = max(self.size, blob.size)
        self.stood_out = self.stood_out or blob.surround <= _CLUTTER
        self.travel = max(self.travel, math.hypot(blob.x - self.x0, blob.y - self.y0))
        self.samples.append((t, blob.area, blob.whole))

    def is_event(self) -> bool:
        """Seen for long enough, in most looks, and gone somewhere: noise that flickers from place to
        place is seen now and then, and a track that jumps between such specks goes back and forth
        (its path is long, its way from where it began short)."""
        if not self._steady():
            return False
        way = math.hypot(self.x - self.x0, self.y - self.y0)
        return self.travel >= _TRAVEL * self.size and way >= _STRAIGHT * self.path

    def came_in(self, width: int, height: int) -> bool:
        """For a track the video's end cut short: first seen at the picture's edge, then for long
        enough, in most looks, grown to twice its first size, as something coming into the picture does
        (its centre moves less than its size grows, so it has not travelled yet)."""
        return self._entered(width, height, self.samples[-1][1])

    def appeared(self) -> bool:
        """For a track the video's end cut short: something still coming into view when the video
        ended, from the picture's edge or from behind something (a wall, a parked car), which had no
        time to travel or to be seen for `_MIN_LIFE`: it stood out, was seen in every look since it was
        first seen, `_CONFIRM` looks or more, grew to twice its first size and was at its largest in
        its last `_LOST` seconds, and its box first met no other track's. Specks flicker; a flicker
        that keeps its place does not double; what comes off something already followed grows as it
        comes too (in low light a lit edge that breaks up and joins again, the ground a car uncovers),
        and is left out."""
        looks = (self.last - self.first - self.unlooked) * self.rate + 1
        every_look = len(self.samples) >= max(_CONFIRM, round(looks))
        largest = max(area for _, area, _ in self.samples)
        growing = max(area for t, area, _ in self.samples if t >= self.last - _LOST) == largest
        grown = self.samples[-1][1] >= 2 * self.samples[0][1]
        return self.stood_out and not self.attached and every_look and growing and grown

    def reached_in(self, width: int, height: int) -> bool:
        """Something that came into the picture and may have gone back the way it came (a hand taking
        an item from a shelf or putting one back, a person who walks up and returns): first seen at the
        picture's edge, grown to twice its first size as it came in, and gone some way in (`_TRAVEL` of
        its size). Going back makes its way from where it began short, which is_event's test of going
        somewhere rejects; specks do not come in from an edge and grow."""
        largest = max(area for _, area, _ in self.samples)
        return self._entered(width, height, largest) and self.travel >= _TRAVEL * self.size

    def _entered(self, width: int, height: int, area: int) -> bool:
        """Steady (see _steady), first seen at the picture's edge, and `area` (a size it grew to) twice
        its first size."""
        return self._steady() and self.came_from_edge and area >= 2 * self.samples[0][1]

    def _steady(self) -> bool:
        """An object, not clutter (see _surround), seen for `_MIN_LIFE` seconds or more, in most of the
        looks of its life."""
        life = self.last - self.first
        seen = len(self.samples) >= _SEEN * (life - self.unlooked) * self.rate
        return self.stood_out and life >= _MIN_LIFE and seen

    def views(self, window: float) -> list[_View]:
        """Per `window` seconds of its life, the stretch where it was seen at half its largest size
        or more (entering and leaving the picture, it is seen only in part), and within it the looks
        where it was wholly in the picture. Before it came in at the picture's edge, and after it was
        last seen there, it was not in view: its views reach no further (_View.before, after)."""
        out = []
        start = self.first
        while start <= self.last:
            part = [sample for sample in self.samples if start <= sample[0] < start + window]
            if part:
                largest = max(area for _, area, _ in part)
                good = [(t, whole) for t, area, whole in part if area >= largest / 2]
                whole = [t for t, is_whole in good if is_whole]
                out.append(_View(good[0][0], good[-1][0], (whole[0], whole[-1]) if whole else None))
            start += window
        if out and self.came_from_edge:
            out[0] = replace(out[0], before=min(_LOST, out[0].start - self.first))
        if out and not self.samples[-1][2]:
            out[-1] = replace(out[-1], after=min(_LOST, self.last - out[-1].end))
        return out


def _blobs(mask: np.ndarray, min_area: int) -> list[_Blob]:
    count, _, stats, centroids = components(mask)
    out = []
    for i in range(1, count):
        area = int(stats[i, cv2.CC_STAT_AREA])
        if area >= min_area:
            x, y, w, h = (int(v) for v in stats[i, :4])
            out.append(
                _Blob(float(centroids[i, 0]), float(centroids[i, 1]), math.hypot(w, h), area, (x, y, w, h))
            )
    return out


def _objects(mask: np.ndarray, min_area: int, bounds: tuple[int, int, int, int] | None = None) -> list[_Blob]:
    """The objects in a foreground mask: its blobs with the pieces of one object joined (a person's
    clothes where they match the wall behind split the blob; the pieces lie a few pixels apart).
    Single specks are dropped first, so that noise does not join into objects. `bounds`: left, top,
    right and bottom of the picture within the mask (its edges, see _at_edge; the whole mask if None)."""
    if cv2.countNonZero(mask) < min_area:
        return []  # too few pixels for any object (most looks at a quiet scene)
    count, labels, stats, _ = components(mask)
    pieces = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= _MIN_BLOB) + 1
    if not len(pieces):
        return []
    keep = np.zeros(count, np.uint8)
    keep[pieces] = 255
    cleaned = np.take(keep, labels)  # a third of the time of keep[labels]
    gap = max(1, mask.shape[1] // _JOIN)
    joined = cv2.dilate(cleaned, np.ones((gap, gap), np.uint8))
    count, labels, stats, centroids = components(joined)
    areas = np.bincount(labels[cleaned > 0], minlength=count)  # foreground pixels, not the joins
    out = []
    for i in range(1, count):
        if areas[i] >= min_area:
            x, y, w, h = (int(v) for v in stats[i, :4])
            out.append(
                _Blob(
                    float(centroids[i, 0]),
                    float(centroids[i, 1]),
                    math.hypot(w, h),
                    int(areas[i]),
                    (x, y, w, h),
                    _surround(mask, (x, y, w, h)),
                    not _at_edge((x, y, w, h), bounds or (0, 0, mask.shape[1], mask.shape[0])),
                )
            )
    return out


def _overlap(box: tuple[int, int, int, int], other: tuple[int, int, int, int]) -> bool:
    """Whether two boxes (left, top, width, height) share a pixel."""
    x, y, w, h = box
    ox, oy, ow, oh = other
    return min(x + w, ox + ow) > max(x, ox) and min(y + h, oy + oh) > max(y, oy)


def _at_edge(box: tuple[int, int, int, int], bounds: tuple[int, int, int, int]) -> bool:
    """Whether a box touches the edge of the picture (within a pixel) whose left, top, right and bottom
    are `bounds`: what it bounds may go on outside."""
    x, y, w, h = box
    left, top, right, bottom = bounds
    return x <= left + 1 or y <= top + 1 or x + w >= right - 1 or y + h >= bottom - 1


def _surround(mask: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """How densely foreground lies in a ring around `box` (half the box's size wide), over how densely
    it lies within: near 0 for a thing in front of a still background, near 1 for a piece of clutter."""
    x, y, w, h = box
    height, width = mask.shape
    x0, y0 = max(0, x - max(w // 2, 2)), max(0, y - max(h // 2, 2))
    x1, y1 = min(width, x + w + max(w // 2, 2)), min(height, y + h + max(h // 2, 2))
    within = cv2.countNonZero(mask[y : y + h, x : x + w])
    ring_area = (x1 - x0) * (y1 - y0) - w * h
    if not within or not ring_area:
        return 0.0
    ring = cv2.countNonZero(mask[y0:y1, x0:x1]) - within
    return (ring / ring_area) / (within / (w * h))


def _in_front(
    blobs: list[_Blob], mask: np.ndarray, picture: np.ndarray, background: np.ndarray
) -> list[_Blob]:
    """The blobs that show something in front of the background: a blob whose picture correlates
    with the background's there (normalised cross-correlation) is the same surface in other light, as
    when the sun comes out or a cloud's shadow passes; a ghost (see _ghost) is where something was."""
    out = []
    for blob in blobs:
        x, y, w, h = blob.box
        now, before = picture[y : y + h, x : x + w], background[y : y + h, x : x + w]
        if w < 3 or h < 3:
            out.append(blob)
            continue
        same = float(cv2.matchTemplate(now, before, cv2.TM_CCOEFF_NORMED)[0, 0])
        if same < _SAME_SURFACE and not _ghost(blob.box, mask, picture, background):
            out.append(blob)
    return out


def _ghost(
    box: tuple[int, int, int, int], mask: np.ndarray, picture: np.ndarray, background: np.ndarray
) -> bool:
    """Whether a blob is a ghost: the background uncovered where something that the model had learnt
    has gone (a caption faded out, a parked car driven off, a slide's text after the slide changed),
    foreground until the model learns the scene anew though nothing is there. An object's outline is an
    edge in the picture; a ghost's outline is an edge only in the model's memory. Edges are measured as
    the grey-level range over 3x3 pixels along the blob's border. Where the picture shows the bare
    background, the remembered outline is many times what the picture has there (a faded caption's: 20
    times); an object that is only partly foreground (MOG2 takes a grey object darker than the wall for
    its shadow) can cover a remembered edge with a weaker one of its own, up to 2.5 times weaker on the
    shared clips: hence _GHOST."""
    x, y, w, h = box
    x0, y0 = max(0, x - 1), max(0, y - 1)
    x1, y1 = min(mask.shape[1], x + w + 1), min(mask.shape[0], y + h + 1)
    inside = mask[y0:y1, x0:x1]
    border = cv2.subtract(inside, cv2.erode(inside, _SQUARE))
    if not cv2.countNonZero(border):
        return False
    now = cv2.mean(cv2.morphologyEx(picture[y0:y1, x0:x1], cv2.MORPH_GRADIENT, _SQUARE), border)[0]
    remembered = cv2.mean(cv2.morphologyEx(background[y0:y1, x0:x1], cv2.MORPH_GRADIENT, _SQUARE), border)[0]
    return remembered > _GHOST * now


class _BackgroundModel:
    """OpenCV's MOG2, shadows counted as background, with its background picture kept while the model
    has learnt less than _STALE of a new picture since it was taken."""

    def __init__(self, history: int) -> None:
        self._subtractor = cv2.createBackgroundSubtractorMOG2(
            history=history, varThreshold=_VARIANCE, detectShadows=True
        )
        self._subtractor.setShadowValue(0)  # shadows are background
        self._history = history
        self._looks = 0
        self._learnt = math.inf  # since the picture kept was taken
        self._picture: np.ndarray | None = None

    def apply(self, grey: np.ndarray, rate: float = -1.0) -> np.ndarray:
        """The foreground mask of `grey`, learning it at `rate` (-1: MOG2's own, 1/looks at first, then
        1/history)."""
        self._looks += 1
        self._learnt += rate if rate >= 0 else 1.0 / min(2 * self._looks, self._history)
        return self._subtractor.apply(grey, learningRate=rate)

    @property
    def steady(self) -> bool:
        """Past its first looks, where MOG2 learns each at 1/looks: it now learns at 1/history."""
        return 2 * self._looks >= self._history

    def rate(self, looks: float) -> float:
        """The learning rate of one look that stands for `looks` looks at the steady rate (-1, MOG2's
        own, for one)."""
        return -1.0 if looks <= 1.0 else float(1.0 - (1.0 - 1.0 / self._history) ** looks)

    def picture(self, fresh: bool = False) -> np.ndarray:
        """The model's background picture; `fresh`: as the model holds it now, not up to _STALE behind
        (registering a swaying camera onto it: its estimate wants the latest)."""
        if fresh or self._picture is None or self._learnt >= _STALE:
            self._picture, self._learnt = self._subtractor.getBackgroundImage(), 0.0
        return self._picture


class MotionDetector:
    def __init__(
        self,
        options: KeyframeOptions,
        fps: float,
        source_width: int = 0,
        sparse: bool = False,
        matte: Matte | None = None,
    ) -> None:
        """`sparse`: frames may come seconds apart (I-frames first skips the stretches between two
        keyframes that look the same): a look after such a gap counts as the looks it stands for.
        `matte`: black bars around the picture, whose inner edges are the picture's edges."""
        self._matte = matte
        self._options = options
        self._sparse = sparse
        self._last_look: float | None = None
        fps = fps if fps > 0 else 25.0
        self._every = max(1, int(fps / _RATE))
        self._seen = 0
        self._rate = fps / self._every
        self._source_width = source_width
        self._min_blob = _MIN_BLOB
        self._model = self._new_model()
        self._lagged: deque[np.ndarray] = deque(maxlen=max(1, int(round(self._rate * _LAG))))
        self._tracks: list[_Track] = []
        self._reference: np.ndarray | None = None  # the scene at the last settled state
        self._states: deque[np.ndarray] = deque(maxlen=8)  # earlier settled states: a return is no news
        self._still_since: float | None = None  # nothing has moved since then
        self._judged = True  # the quiet stretch since _still_since was compared with the reference
        self._last_scene: tuple[float, np.ndarray] | None = None  # the last quiet look's time and picture
        self._moving_since = 0.0  # the motion that ended in the current quiet stretch began then
        self.activity = array("f")  # per frame: share of the picture in foreground blobs (1 on a global
        # change)
        self.moved = array("B")  # per frame: 1 where the whole picture changed, or the detector rested
        self._resting = False
        self.resets = 0  # global changes seen (cuts, camera moves): a fixed camera has few
        self._candidates: list[Candidate] = []
        self._views: list[_View] = []  # of events seen, not yet given a keyframe
        self._window = options.activity_interval if options.activity_interval > 0 else math.inf
        self._last_event = -math.inf
        self._last_keyframe = 0.0
        self._last_start = -math.inf  # of the last candidate proposed
        self._exposed: np.ndarray | None = None  # the last picture, brought to the model's exposure
        self._model_since: float | None = None  # the background model (re)started from the look then
        self._picture_size = (0, 0)  # width, height of the pictures looked at
        self.clock = Clock(self._rate)  # a recorder's clock over the picture, once found
        self._stabiliser = Stabiliser(self._rate)  # a camera that sways, registered onto one view
        self._bounds = (0, 0, 0, 0)  # left, top, right, bottom of the picture in the last look
        self._learnt_picture: np.ndarray | None = None  # the picture the background model last learnt, when
        # the scene held nothing in front of it then (see _rests)
        self._owed = 0.0  # looks the model rested through since (see _rests)

    def _new_model(self) -> _BackgroundModel:
        return _BackgroundModel(max(2, int(_HISTORY_SECONDS * self._rate)))

    def rest(self) -> None:
        """Instead of process(), for a frame the caller knows is no fixed camera's (edited footage): it
        counts as a frame where the camera moved, and the model starts over when looks resume."""
        self.activity.append(0.0)
        self.moved.append(1)
        self._resting = True

    def process(self, frame: FrameView) -> None:
        self._seen += 1
        if (self._seen - 1) % self._every:
            self.activity.append(self.activity[-1] if self.activity else 0.0)
            self.moved.append(self.moved[-1] if self.moved else 0)
            return
        raw = cv2.GaussianBlur(frame.gray, (3, 3), 0)
        if self._model_since is None:
            self._model_since, self._picture_size = frame.time, (raw.shape[1], raw.shape[0])
        if self._resting:
            self._resting = False
            self._restart(raw, frame.time)
        grey = self._stabiliser.steady(raw, lambda: self._model.picture(fresh=True))
        if self._min_blob == _MIN_BLOB:
            self._min_blob = min_blob(grey.shape[1], self._source_width)
        grey = self._same_exposure(grey)
        # The picture within black bars around it (whose inner edge flickers with compression) and
        # within the strip along each edge that a registered look fills by repeating its last row or
        # column.
        left, top, right, bottom = (
            self._matte.bounds(grey.shape) if self._matte else (0, 0, *grey.shape[::-1])
        )
        margin = self._stabiliser.margin
        self._bounds = (left + margin, top + margin, right - margin, bottom - margin)
        looks = self._learning(frame.time)
        if self._rests(grey, looks):
            self.moved.append(0)
            self.activity.append(0.0)
        else:
            model = self._model
            mask = _within(model.apply(grey, model.rate(self._owed + looks)), self._bounds)
            self._owed = 0.0
            share = cv2.countNonZero(mask) / ((right - left) * (bottom - top))
            if share > _GLOBAL_CHANGE:  # not activity in this scene: start over from the new picture
                self._restart(raw, frame.time)
                self.resets += 1
                self.activity.append(1.0)
                self.moved.append(1)
                return
            self.moved.append(0)
            blobs = _objects(above(mask, 200), self._min_blob, self._bounds)
            self._learnt_picture = grey if not blobs and not self._tracks and model.steady else None
            if blobs:
                blobs = _in_front(blobs, mask, grey, model.picture())
            self.activity.append(sum(b.area for b in blobs) / mask.size)
            self._follow(blobs, frame.time)
        if self._lagged:  # the look before (the lag starts over after a gap)
            self.clock.see(_changed(cv2.absdiff(grey, self._lagged[-1])), frame.time)
        lagged = self._lagged[0] if self._lagged else grey
        self._lagged.append(grey)
        moving = _something_moved(self.clock.hide(self._difference(grey, lagged)), self._min_blob)
        if self._reference is None:
            self._reference = grey
        self._settle(frame.time, moving, grey)
        self._heartbeat(frame.time)

    def _learning(self, t: float) -> float:
        """The looks this one stands for, which the background model learns as one: one at the steady
        rate; after a skipped stretch (a picture that stood still for `gap` seconds), the looks that
        stretch would have had, so that the model forgets in seconds, not in looks (a person standing
        still for longer than _HISTORY_SECONDS becomes background either way)."""
        gap = 0.0 if self._last_look is None else t - self._last_look
        self._last_look = t
        if not self._sparse or gap <= 1.5 / self._rate:
            return 1.0
        self._lagged.clear()  # the picture the lag would compare with is from before the gap
        unlooked = gap - 1.0 / self._rate
        for track in self._tracks:
            track.unlooked += unlooked
        return gap * self._rate

    def _rests(self, grey: np.ndarray, looks: float) -> bool:
        """Whether the background model may skip this look: the scene held nothing in front of the
        background when it last learnt a picture, and this one is that picture to the pixel (a screen
        standing still, a recorder repeating its frame: 3,807 of the pen lecture's 4,361 frames), so it
        would learn nothing new and mark no foreground. The looks it rests through are learnt with the
        next one it takes, at most _REST seconds later: one look for n at the compounded rate gives
        the background's mode the weight n looks would (MOG2 is a third of this detector's time)."""
        if self._learnt_picture is None or self._owed + looks > _REST * self._rate:
            return False
        if cv2.norm(grey, self._learnt_picture, cv2.NORM_INF):
            return False
        self._owed += looks
        return True

    def _same_exposure(self, grey: np.ndarray) -> np.ndarray:
        """The picture at the exposure of the one before: a camera's auto-exposure step or a cloud
        scales every pixel by about the same factor, which is no event. The factor is the median ratio
        over a sparse grid of pixels, so that a person filling a third of the picture does not sway it."""
        previous = self._exposed
        gain = None if previous is None else _exposure_gain(grey, previous)
        self._exposed = (
            grey if gain is None or abs(gain - 1.0) < 0.01 else cv2.convertScaleAbs(grey, alpha=gain)
        )
        return self._exposed

    def _difference(self, now: np.ndarray, before: np.ndarray) -> np.ndarray:
        """The difference of two looks within the picture's bounds, each pixel against the other's
        neighbourhood once the camera sways (see _REACH)."""
        if self._stabiliser.swaying:
            return _within(_beyond_neighbours(now, before), self._bounds)
        return _within(cv2.absdiff(now, before), self._bounds)

    def _restart(self, grey: np.ndarray, t: float) -> None:
        self._model_since = t
        self._stabiliser.restart()
        self._model = self._new_model()
        self._model.apply(grey, 1.0)
        self._learnt_picture, self._owed = None, 0.0
        self._exposed = None
        self._tracks = []
        self._lagged.clear()
        self._reference = grey
        self._states.clear()
        self._still_since, self._judged = None, True

    def _follow(self, blobs: list[_Blob], t: float) -> None:
        """Match blobs to tracks (nearest predicted position within the larger of their sizes), start
        tracks for the rest, end tracks unseen for _LOST seconds."""
        free = list(self._tracks)
        boxes = [track.box for track in self._tracks]  # where each was last seen
        for blob in sorted(blobs, key=lambda b: -b.area):
            best, best_distance = None, math.inf
            for track in free:
                px, py = track.predict(t)
                distance = math.hypot(blob.x - px, blob.y - py)
                if distance <= max(blob.size, track.size) and distance < best_distance:
                    best, best_distance = track, distance
            if best is None:
                attached = any(_overlap(blob.box, box) for box in boxes)
                self._tracks.append(_Track(blob, t, self._rate, attached))
            else:
                best.update(blob, t)
                free.remove(best)
        ended = [track for track in self._tracks if t - track.last > _LOST]
        if ended:
            self._tracks = [track for track in self._tracks if track not in ended]
            self._views += [
                view
                for track in ended
                if track.is_event() or track.reached_in(*self._picture_size)
                for view in track.views(self._window)
            ]
            self._show_events(t)

    def _show_events(self, now: float, final: bool = False) -> None:
        """As few keyframes as show every event: each at a time that lies in the views of as many
        events as possible (greedy interval stabbing, earliest end first). Views are taken up once no
        open track can share their keyframe."""
        horizon = now if final else min([now, *(track.first for track in self._tracks)])
        # A view is widened by the time its object may be in view unseen (_View.before, after): the
        # pieces of one person (a blob that splits and joins) share one keyframe; the next part on a
        # belt, come in after the last went out, does not.
        views = sorted(self._views, key=lambda v: v.end + v.after)
        while views and views[0].end < horizon:
            end = views[0].end + views[0].after
            shared = [v for v in views if v.start - v.before <= end]
            # Where the views themselves meet (or the gap between them), within the widened views.
            latest_start, earliest_end = max(v.start for v in shared), min(v.end for v in shared)
            start, stop = sorted((latest_start, earliest_end))
            start, stop = max(start, *(v.start - v.before for v in shared)), min(stop, end)
            # The frame is best taken where every object is wholly in the picture, if they all are at
            # some time there.
            pick_from, pick_to = start, stop
            wholes = [v.whole for v in shared if v.whole]
            if len(wholes) == len(shared):
                lo, hi = max(start, *(w[0] for w in wholes)), min(stop, *(w[1] for w in wholes))
                if lo <= hi:
                    pick_from, pick_to = lo, hi
            # The first event after a quiet stretch starts an activity; the rest are its peaks.
            reason = "activity-start" if start - self._last_event > _LOST else "activity-peak"
            self._emit(reason, start, (pick_from, pick_to + 1e-3), 1.5)
            self._last_event = end
            views = [v for v in views if v.start - v.before > end]
        self._views = views

    def _settle(self, t: float, moving: bool, grey: np.ndarray) -> None:
        """Once nothing has moved for `settle` seconds, a keyframe of the scene if it differs from the
        last settled state and from the states before it."""
        if moving:
            if self._judged:
                self._moving_since = t
            self._still_since, self._judged = None, False
            return
        if self._still_since is None:
            self._still_since = t
        self._last_scene = (t, grey)
        if self._judged or t - self._still_since < self._options.settle:
            return
        self._judge(t, grey)

    def _judge(self, t: float, grey: np.ndarray) -> None:
        """A keyframe of the quiet scene `grey` (at `t`) if it differs from the last settled state and
        from the states before it."""
        assert self._still_since is not None
        self._judged = True
        assert self._reference is not None
        if not self._differs(grey, self._reference):
            return
        seen_before = any(not self._differs(grey, state) for state in self._states)
        self._states.append(self._reference)
        self._reference = grey
        if not seen_before:
            # It stands for the change from when it began, unless an event keyframe stands for that.
            start = self._settled_start(self._still_since)
            # Not seen before: it differs from each of the states kept, as the hashes of two pictures
            # of the same slide with more ink or an object moved hardly do.
            self._emit("settled", start, (self._still_since, t + 1e-3), 1.5, seen_before=False)

    def _settled_start(self, still_since: float) -> float:
        """Where a settled keyframe's stretch begins: where the motion that led to it began, unless an
        event keyframe since stands for that."""
        return still_since if self._last_start >= self._moving_since else min(self._moving_since, still_since)

    def _differs(self, grey: np.ndarray, state: np.ndarray) -> bool:
        """Whether something in the scene differs from an earlier state: the pictures are compared at
        the same brightness and contrast (a slow change of light over minutes is no event)."""
        (mean, std), (state_mean, state_std) = (
            (float(m[0, 0]), float(d[0, 0])) for m, d in (cv2.meanStdDev(grey), cv2.meanStdDev(state))
        )
        gain = state_std / std if std > 1.0 else 1.0
        diff = self.clock.hide(
            self._difference(cv2.convertScaleAbs(grey, alpha=gain, beta=state_mean - gain * mean), state)
        )
        # Without the strip along the picture's edges, where a dark frame line flickers with compression.
        diff = diff[EDGE_STRIP:-EDGE_STRIP, EDGE_STRIP:-EDGE_STRIP]
        return bool(_blobs(above(diff, _noise_threshold(diff)), self._min_blob))

    def _heartbeat(self, t: float) -> None:
        o = self._options
        if o.heartbeat and not self._tracks and t - self._last_keyframe >= o.heartbeat:
            self._emit("heartbeat", t, (t, t + 1.0), 0.2)

    def _emit(
        self,
        reason: str,
        start: float,
        pick: tuple[float, float],
        importance: float,
        seen_before: bool | None = None,
    ) -> None:
        self._candidates.append(Candidate(reason, start, pick, importance, seen_before=seen_before))
        self._last_start = start
        self._last_keyframe = max(self._last_keyframe, pick[0])

    def so_far(self) -> list[Candidate]:
        """The candidates proposed up to now, without ending the pass."""
        return sorted(self._candidates, key=lambda c: c.start)

    def horizon(self, now: float) -> float:
        """No candidate proposed later will start before this time: an open track may still give a
        keyframe from where it began (a view widened by _LOST), and a settling scene one from where its
        motion began."""
        starts = [now, *(track.first for track in self._tracks), *(view.start for view in self._views)]
        if not self._judged:
            starts.append(self._settled_start(now if self._still_since is None else self._still_since))
        return min(starts) - _LOST - 1.0 / self._rate

    def _came_in(self, track: _Track) -> bool:
        """Whether a track the video's end cut short came into the picture (or into view from behind
        something: _Track.appeared) after the background model had `fixed_camera_min` seconds to learn
        the scene (what moves in the first looks after a cut was there before it)."""
        settled = (
            self._model_since is not None
            and track.first - self._model_since >= self._options.fixed_camera_min
        )
        return settled and (track.came_in(*self._picture_size) or track.appeared())

    def finish(self) -> list[Candidate]:
        # The video ended before the quiet scene had stood `settle` seconds (a recording stopped a second
        # after a bottle was put back): its last state still gets a keyframe if it differs from the last
        # settled one, as a screen's does (TextDetector.finish).
        last, since = self._last_scene, self._still_since
        if not self._judged and last and since is not None and last[0] - since + _LAG >= _LAST_STILL:
            self._judge(*last)
        end = max([self._last_keyframe, *(track.last for track in self._tracks)])
        self._views += [
            view
            for track in self._tracks
            if track.is_event() or self._came_in(track)
            for view in track.views(self._window)
        ]
        self._tracks = []
        self._show_events(end + 1.0, final=True)
        return sorted(self._candidates, key=lambda c: c.start)
