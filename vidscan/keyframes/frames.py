"""What every detector shares: the decoded frame in the sizes they need, the per-frame numbers kept for the
whole video (scalars in compact arrays, never pictures: memory stays flat in video length), and the
candidate keyframes detectors propose."""

from __future__ import annotations

import copy
import math
from array import array
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import cv2
import numpy as np

from ..types import Keyframe

BLACK = 16.0  # mean brightness (0-255) under which a frame counts as black
# Standard deviation of a picture's grey levels under which it may show nothing (black, a blank card, a
# grey placeholder, the dark of a fade); over it, a picture always shows something. Measured on the
# analysis picture, whose smaller size averages fine detail away: it comes out at or under the full
# frame's. Under it, shows_nothing looks closer: a dim camera, a tank of small fish on a pale ground
# or a dark terminal with a few lines have as little spread of grey levels, and do show something.
FLAT = 10.0
# Grey levels a pixel must stand out from its surroundings by, at least, to be something drawn or seen
# rather than noise (and at least _NOISE_MULTIPLE times the picture's own measured noise).
_DETAIL_LEVELS = 4.0
_NOISE_MULTIPLE = 4.0
EDGE_STRIP = 4  # pixels along the picture's edges left out (a dark frame line, the blur's edge)
# The tallest band one line of text fills, as a share of the picture's height: a caption, a copyright
# line, a prompt with a window's title bar, a placeholder's words (the shared clips': 9-11%).
_CAPTION_BAND = 1 / 8
# Share of a shot's pictures in exactly flat blocks (flat_blocks) from which it is a rendered screen: the
# screen recordings of the shared clips have 0.23-0.93, camera footage 0.00-0.04 (hard-compressed too);
# a slide deck made into a dithered GIF has none, and goes to the fixed-camera detector, whose settled
# states are its slides.
RENDERED = 0.1
# Or, share of the picture at its one most common grey level from which it is rendered: a background
# drawn in one colour shows between the lines of a soft picture (a screen shared in a video call, a
# recording scaled up) whose blocks all touch some blurred text, and under grain, which an encoder smooths
# away on a flat background. A camera's noise spreads its scene over many levels: the most common one
# holds 1-12% of the shared cameras' pictures, up to 18% in low light, grain, a starved bitrate or scaled
# up (the keyframe benchmark's variants); the shared screen recordings 67-94%, scaled up from a third
# 60-87%, under grain 35-45% (a dithered GIF deck 12%, which the fixed-camera detector takes, see above).
# A quarter lies as far from either in ratio.
BACKGROUND = 1 / 4
UNCHANGED = 0.05 / 255  # mean pixel change under which two frames are the same picture
_GRID = 3  # cells a side of the colour layout kept per frame
_GRID_BYTES = _GRID * _GRID * 3
# Two decodes of one frame, each scaled to the analysis size, differ by the deblocking the analysis decode
# skips and by rounding: by at most 2 perceptual-hash bits (film grain in HEVC) and 1 grey level in a cell
# of the colour grid, over 726 frames of the 27 shared clips. A picture decoded wrong differs by tens of
# bits or levels (a seek's flat grey where the decode from the start had half built a picture: 31 bits).
# The next frame of moving footage can differ by as little as 4-6 bits and 3-4 levels: grabs are told
# from their neighbours by their timestamps, this only says the picture was decoded as it was then.
_SAME_PICTURE_BITS = 6  # as many as keyframes of the same view may differ by (dedup_distance)
_SAME_PICTURE_LEVELS = 4.0


_FULL_RANGE = np.clip((np.arange(256) - 16) * 255 / 219 + 0.5, 0, 255).astype(np.uint8)  # Y 16-235 -> 0-255


def cut_view(yuv: np.ndarray) -> np.ndarray:
    """BGR at half the size of an I420 picture (its sides first cropped to a multiple of 4 pixels): what
    the cut and fade detectors look at. A cut changes the whole picture, and the mean differences they
    score come out alike at this size, for a quarter of the colour conversions."""
    height, width = yuv.shape[0] * 2 // 3, yuv.shape[1]
    if height < 4 or width < 4:
        return cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420)
    # Exact halves: OpenCV's area resize is ten times slower for fractional ratios.
    crop_h, crop_w = height // 4 * 4, width // 4 * 4
    chroma = yuv[height:].reshape(2, height // 2, width // 2)[:, : crop_h // 2, : crop_w // 2]
    planes = [yuv[:crop_h, :crop_w], *chroma]
    halves = [cv2.resize(p, (p.shape[1] // 2, p.shape[0] // 2), interpolation=cv2.INTER_AREA) for p in planes]
    i420 = np.concatenate([half.ravel() for half in halves]).reshape(-1, crop_w // 2)
    return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)


def resize_long_side(image: np.ndarray, long_side: int) -> np.ndarray:
    h, w = image.shape[:2]
    if max(h, w) <= long_side:
        return image
    scale = long_side / max(h, w)
    size = (max(2, int(round(w * scale))), max(2, int(round(h * scale))))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


class FrameView:
    """One decoded frame; each view of it is computed once, on first use by any detector."""

    def __init__(self, time: float, yuv: np.ndarray, detail: np.ndarray | None = None) -> None:
        self.time = time
        self.yuv = yuv  # I420 at the analysis size
        self.detail = detail  # full-range grey at the text size, where text is still legible (or None)
        # The timestamp of the decoded frame this picture is: earlier than `time` for a picture still
        # on screen (held_copy), and the frame to grab for it.
        self.frame_time = time

    def same_picture_as(self, before: FrameView) -> None:
        """Takes the views `before` has computed when it is the same picture to the pixel (a screen
        standing still, a recorder repeating a static scene: 3,807 of the pen lecture's 4,361 frames),
        each spared the colour conversions and scalings. Detectors see the same objects, and know the
        picture again by them (FrameStats, the cut detector)."""
        if before.yuv.shape != self.yuv.shape or cv2.norm(before.yuv, self.yuv, cv2.NORM_INF):
            return
        for name in _VIEWS:
            if name in before.__dict__:
                self.__dict__[name] = before.__dict__[name]

    def held_copy(self, time: float) -> FrameView:
        """The same picture still on screen at `time` (a variable-rate stream sends no frame while its
        picture does not change): every view already computed is shared."""
        held = copy.copy(self)
        held.time = time
        return held

    @cached_property
    def half(self) -> np.ndarray:
        """BGR at half the analysis size (see cut_view)."""
        return cut_view(self.yuv)

    @cached_property
    def mean_colour(self) -> np.ndarray:
        """The mean B, G, R of the frame, as a 1x1 BGR image."""
        return np.array(cv2.mean(self.half)[:3], np.float64).reshape(1, 1, 3)

    @cached_property
    def colour_grid(self) -> np.ndarray:
        """Mean B, G, R of each cell of a 3x3 grid over the frame (uint8, 3x3x3)."""
        return area_resize(self.half, (_GRID, _GRID))

    @cached_property
    def gray(self) -> np.ndarray:
        """Full-range grey at the analysis size."""
        return cv2.LUT(self.yuv[: self.yuv.shape[0] * 2 // 3], _FULL_RANGE)

    @cached_property
    def tiny(self) -> np.ndarray:
        """Blurred grey at 160 px: the motion detector's view, where sensor noise averages out."""
        return cv2.GaussianBlur(resize_long_side(self.gray, 160), (5, 5), 0)


# FrameView's views of its picture (cached properties), which a frame with the same picture shares.
_VIEWS = ("half", "mean_colour", "colour_grid", "gray", "tiny")


def area_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` averaged down to `size` (width, height), in two steps: whole blocks of pixels first
    (OpenCV's fast path, after cropping fewer pixels than a block at the right and bottom), then the
    small remainder. Ten times faster than one fractional area resize of a large picture."""
    h, w = image.shape[:2]
    fx, fy = max(1, w // size[0]), max(1, h // size[1])
    if fx > 1 or fy > 1:
        block = image[: h - h % fy, : w - w % fx]
        image = cv2.resize(block, (w // fx, h // fy), interpolation=cv2.INTER_AREA)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def phash(gray: np.ndarray) -> int:
    """64-bit perceptual hash: signs of the low-frequency DCT coefficients around their median."""
    small = area_resize(gray, (32, 32)).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = np.packbits(low > np.partition(low[1:], 31)[31], bitorder="little")
    return int.from_bytes(bits.tobytes(), "little")


BLOCK = 8  # pixels a side at the analysis size
BLOCK_KERNEL = np.ones((BLOCK, BLOCK), np.uint8)


def block_largest(picture: np.ndarray) -> np.ndarray:
    """Each BLOCK x BLOCK block's largest value, of a picture a whole number of blocks a side: OpenCV's
    max filter over the block from its top-left corner, read at every corner (a tenth of the time
    numpy takes to reduce the blocks)."""
    return cv2.dilate(picture, BLOCK_KERNEL, anchor=(0, 0))[::BLOCK, ::BLOCK]


def noise_level(gray: np.ndarray) -> float:
    """The standard deviation of a picture's noise (Immerkaer's estimate, 1996: the mean absolute
    response to a mask that cancels any plane, and nearly any edge, leaving the noise)."""
    height, width = gray.shape
    if height < 3 or width < 3:
        return 0.0
    response = cv2.filter2D(gray, cv2.CV_32F, _NOISE_MASK)[1:-1, 1:-1]
    return math.sqrt(math.pi / 2.0) * float(cv2.mean(np.abs(response))[0]) / 6.0


_NOISE_MASK = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


# What a faint picture (under FLAT) holds, per look (FrameStats.faint):
SPREAD = 0  # things that stand out from the noise, over more than one line's band (or not faint)
ONE_LINE = 1  # things that stand out within one line's band only (a caption, a prompt, a placeholder)
FEATURELESS = 2  # nothing that stands out from the noise: one colour, or a smooth blend of colours


def faint_detail(gray: np.ndarray) -> int:
    """What a faint picture holds: SPREAD, ONE_LINE or FEATURELESS. A pixel holds something when it
    stands out from its surroundings by more than the picture's noise, and a row when two of its pixels
    do (a single one is a speck); a dim scene, small fish on a pale ground or a coin on a white table
    stand out, however little they spread the grey levels."""
    inner = gray[EDGE_STRIP:-EDGE_STRIP, EDGE_STRIP:-EDGE_STRIP]
    if not inner.size:
        return FEATURELESS
    detail = cv2.absdiff(inner, cv2.blur(inner, (9, 9)))
    level = max(_DETAIL_LEVELS, _NOISE_MULTIPLE * noise_level(inner))
    per_row = cv2.reduce(above(detail, level), 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    rows = np.flatnonzero(per_row >= 2 * 255)
    if not len(rows):
        return FEATURELESS
    return ONE_LINE if rows[-1] - rows[0] < _CAPTION_BAND * gray.shape[0] else SPREAD


def shows_nothing(stats: FrameStats, lo: int, hi: int, rendered: bool) -> np.ndarray:
    """Per look in [lo, hi), whether its picture shows nothing: it is faint (under FLAT) and holds
    nothing that stands out from its noise or, on a rendered screen, nothing but one line (a caption, a
    prompt or a placeholder's words on an empty screen). A camera's one thing in a band is kept: a coin
    on a white table, one fish in a tank. A single look that shows something between looks of the
    stretch that show nothing is a transient (the first frame after a cut to a blank, still coded
    from the shot before), and shows nothing either."""
    faint = np.frombuffer(stats.faint, np.uint8)[lo:hi]
    empty = (faint == FEATURELESS) | ((faint == ONE_LINE) if rendered else False)
    if len(empty) >= 2:
        before = np.concatenate([[True], empty[:-1]])
        after = np.concatenate([empty[1:], [True]])
        empty = empty | (before & after)
    return empty


def above(picture: np.ndarray, level: float) -> np.ndarray:
    """255 where `picture` is over `level`, else 0."""
    # (threshold, not compare: ten times faster; on 8-bit pictures it floors the level, the same test)
    return cv2.threshold(picture, level, 255, cv2.THRESH_BINARY)[1]


def flat_blocks(gray: np.ndarray) -> np.ndarray:
    """Per 8x8 block (the whole blocks), whether it is exactly one grey level. A rendered picture (a
    slide, a terminal, an application) has flat backgrounds; a camera's sensor noise leaves no block of
    a natural scene exactly flat, however hard it is compressed."""
    h, w = gray.shape[0] // BLOCK * BLOCK, gray.shape[1] // BLOCK * BLOCK
    if not h or not w:
        return np.zeros((h // BLOCK, w // BLOCK), bool)
    picture = gray[:h, :w]
    largest = block_largest(picture)
    smallest = cv2.erode(picture, BLOCK_KERNEL, anchor=(0, 0))[::BLOCK, ::BLOCK]  # a min filter, the same way
    return largest == smallest


# Black bars around a picture narrower or wider than its video (see Matte).
_BAR_LEVEL = 16  # full-range grey levels: a bar is video black, which compression lifts by a few levels
_MIN_BAR = 0.02  # share of the width or height: a thinner black edge is a camera's or a capture card's
# frame line (left out anyway, see EDGE_STRIP); two opposite bars differ by less (padding centres the picture)
# A line of the picture next to a bar whose brightest looks are under this share of the next line's at
# _ALONG of its pixels is part bar (see _part_bar): a tenth darker is a tenth of it covered.
_PART_BAR = 0.9
_ALONG = 0.9
_LIT_EDGE = 0.5  # share of a picture's edge next to a bar that is lit: the edge of a picture is a straight
# line lit along its length, where the top of a dark slide's centred title is lit between its letters


class Matte:
    """Black bars that frame a picture narrower or wider than its video: a 4:3 camera exported as 16:9
    (bars at the sides), a film letterboxed in a taller frame, a phone's upright video. The bars are no
    part of the picture: no flat, rendered background (which made a camera with bars a screen), and
    not its edge (an object coming into the picture comes in at the bars' inner edge). `box` is the
    picture inside them (None: no bars). ffmpeg's cropdetect finds the same from the rows and columns
    that stay black; here they must stay black in every look so far (the box only grows, as a fade-in
    lights the picture), come in opposite pairs of the same size, and border a straight edge of the
    picture."""

    def __init__(self) -> None:
        self._brightest: np.ndarray | None = None  # per pixel, its brightest look so far
        self._done = False  # every edge of the picture has been lit: no bars, now or later
        self.box: Box | None = None

    def see(self, gray: np.ndarray) -> None:
        if self._done:
            return
        if self._brightest is None or self._brightest.shape != gray.shape:
            self._brightest = gray.copy()
        else:
            cv2.max(self._brightest, gray, dst=self._brightest)
        lit = self._brightest > _BAR_LEVEL
        if lit[0].any() and lit[-1].any() and lit[:, 0].any() and lit[:, -1].any():
            self._done, self.box = True, None
            return
        self.box = _inside_bars(lit, self._brightest)

    def bounds(self, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """Left, top, right and bottom of the picture in a picture of `shape` (the whole of it without
        bars)."""
        if self.box is None:
            return 0, 0, shape[1], shape[0]
        x, y, w, h = self.box
        return x, y, x + w, y + h


def _inside_bars(lit: np.ndarray, brightest: np.ndarray) -> Box | None:
    """The box inside opposite pairs of unlit bars (see Matte), or None. `brightest`: each pixel at its
    brightest look (`lit` is where that is over a bar's level)."""
    rows, cols = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
    if not len(rows):
        return None
    height, width = lit.shape
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1

    def pair(before: int, after: int, size: int, edges: list[np.ndarray]) -> bool:
        thin = _MIN_BAR * size
        return (
            min(before, after) >= thin
            and abs(before - after) <= thin
            and all(e.mean() >= _LIT_EDGE for e in edges)
        )

    # A picture's edge is lit along its length within a band as deep as the thinnest bar (a dark
    # corner of a scene leaves its outermost row unlit in places).
    band_rows, band_cols = max(1, int(_MIN_BAR * height)), max(1, int(_MIN_BAR * width))
    top_edge = np.asarray(lit[top : top + band_rows].any(axis=0))
    bottom_edge = np.asarray(lit[bottom - band_rows : bottom].any(axis=0))
    if not pair(top, height - bottom, height, [top_edge[left:right], bottom_edge[left:right]]):
        top, bottom = 0, height
    left_edge = np.asarray(lit[:, left : left + band_cols].any(axis=1))
    right_edge = np.asarray(lit[:, right - band_cols : right].any(axis=1))
    if not pair(left, width - right, width, [left_edge[top:bottom], right_edge[top:bottom]]):
        left, right = 0, width
    if (top, bottom, left, right) == (0, height, 0, width):
        return None
    # A bar's edge seldom falls on the analysis picture's grid: the outermost lit row or column next to a
    # bar is then part bar, dark enough to be an edge of its own in every picture (a grey placeholder
    # inside bars showed something). The picture is what lies wholly inside (a box of a line or two, the
    # first lit pixels of a fade-in, is left as it is).
    if top > 0 and bottom - top > 2:
        across = brightest[:, left:right]
        top += _part_bar(across[top], across[top + 1])
        bottom -= _part_bar(across[bottom - 1], across[bottom - 2])
    if left > 0 and right - left > 2:
        along = brightest[top:bottom]
        left += _part_bar(along[:, left], along[:, left + 1])
        right -= _part_bar(along[:, right - 1], along[:, right - 2])
    return int(left), int(top), int(right - left), int(bottom - top)


def _part_bar(line: np.ndarray, inner: np.ndarray) -> bool:
    """Whether a row or column of the picture next to a bar is part bar: at their brightest looks, darker
    than the line inside it (under _PART_BAR of it) at nearly every pixel where that one is lit
    (_ALONG). A bar that covers part of a line darkens all of it; a picture's own detail (a line of text
    next to a terminal's last row) darkens a line against its neighbour in places."""
    lit = inner > _BAR_LEVEL
    if not lit.any():
        return False
    darker = line[lit].astype(np.float32) < _PART_BAR * inner[lit].astype(np.float32)
    return float(darker.mean()) >= _ALONG


def renders(flat: float, background: float) -> bool:
    """Whether a picture with this share of flat blocks (flat_share) and of its picture at one grey level
    (background_share) is a rendered one."""
    return flat >= RENDERED or background >= BACKGROUND


def background_share(gray: np.ndarray, matte: Matte | None) -> float:
    """The share of the picture inside the matte at its most common grey level."""
    if matte is not None and matte.box is not None:
        left, top, width, height = matte.box
        gray = gray[top : top + height, left : left + width]
    if not gray.size:
        return 0.0
    counts = cv2.calcHist([np.ascontiguousarray(gray)], [0], None, [256], [0, 256])
    return float(counts.max()) / gray.size


def flat_share(flat: np.ndarray, matte: Matte | None) -> float:
    """The share of the blocks of `flat` (see flat_blocks) that are flat, of those inside the matte."""
    if matte is not None and matte.box is not None:
        left, top, width, height = matte.box  # whole blocks inside it
        flat = flat[-(-top // BLOCK) : (top + height) // BLOCK, -(-left // BLOCK) : (left + width) // BLOCK]
    return float(np.count_nonzero(flat)) / flat.size if flat.size else 0.0


# A live area: blocks that change in most looks for seconds on end (a lecturer's camera in a corner of
# the slides, a video playing in a window, a spinner). A pen or a pointer passes a block in a few looks,
# typing changes a block once per letter, and a cursor blinks in under half of them.
_LIVE_MEMORY = 10.0  # seconds over which each block's share of changing looks is averaged
# A camera's picture in a corner (a lecturer's) is never flat in any block and changes in every look
# from its first: its share is trusted after this many seconds of looks, scaled up by what the average
# has seen so far (the start-up bias of an average, corrected as Adam's are), so that it is a live area
# in a second or two, not seven. A rendered block (text, a pointer, a pen's stroke over a slide's
# background, a slide's transition) has been flat or unchanged at some look, and keeps the plain average.
_LIVE_WATCHED = 1.0
_LIVE_SHARE = 0.5  # of the looks: a block changing in more is live
# Grey levels a pixel of a block must move by for the block to change: compression re-codes a still
# screen's text by a few levels from frame to frame while something moves elsewhere. In the shared
# lectures re-encoded at CRF 23 with a camera inset (the keyframe benchmark's busycam variant), text
# blocks moved by over 4 levels in at most a fifth of the looks (by over 0 in up to half), and the
# inset's blocks where people walk in up to four fifths.
LIVE_LEVELS = 4
# Blocks of a rendered picture that may change in a look while its screen stands still: a letter typed
# and the cursor moved on, each within 2x2 blocks (16 analysis pixels a side), where the screen's
# background was (each block one grey level at some look). A film's or a scrolled page's look changes
# many more (the shared films: 16 blocks or fewer in under 3% of their looks), a terminal typed into
# without a break a letter's worth in most; a dim camera's blocks that change (clipped black makes
# a quarter of its picture one level, frames.BACKGROUND) are mostly where its picture was never flat.
_TYPED = 8
# Seconds a live block stays left out after it was last live: a lecturer who stands still for a while is
# still in the corner, and the corner's edges coming back would be no news on the screen.
_LIVE_HOLD = 60.0
_LIVE_MOST = 0.5  # of the picture: a live area larger than this is the picture itself (a camera)
_NEIGHBOURS = np.ones((3, 3), np.uint8)
# The rest of the inset: its quiet parts (a wall behind the lecturer, a belt's still frame) change too
# seldom to be live, but a camera's picture has no exactly flat block, and the screen around it does;
# and its sensor's noise stirs it by a level or more now and then, where a screen's still text stands
# to the pixel (a spinner's neighbouring lines). A live group's box grows by a row or a column of
# blocks while most of that strip has not been flat for a second and has been stirred in an eighth of
# the looks or more (the inset's edge is where the screen's flat background begins).
_UNFLAT_SECONDS = 1.0
_UNFLAT_SHARE = 0.75
_STIRRED = 1 / 8
# A camera in a corner whose lecturer sits still changes by more than LIVE_LEVELS in few looks, but its
# sensor's noise, however the encoder smooths it, stirs each of its blocks in most: measured on a camera
# inset over the recorded screens (the keyframe benchmark's webcam variant), its blocks unchanged to the
# level in a seventh to a third of the looks (median), the screen's text blocks in 0.8 to 1.0 (9 in 10 of
# them). A solid group of blocks stirred in half the looks, standing for a second, is such a camera; but
# not while half the picture is stirred in a quarter of the looks or more: a screen filmed or coded
# with grain all over, or a whole slide coded anew, says nothing of where a camera is.
_QUIET_STIRRED = 0.5
_QUIET_FLOOR = 0.25
# An encoder refines a still picture over the frames after it first shows it (a synthetic top-like
# dashboard: 120 to 235 of its 880 blocks stirred in each look of its first second, 45 to 80 in the
# second after a refresh): the share is trusted after 3 s of looks, so that a second of stirring in
# every look comes to at most 0.37 of it, under _QUIET_STIRRED.
_QUIET_WATCHED = 3.0
# A box grown larger than this share of the picture has run into the screen's own shading (a slide's
# gradient, a photo beside the inset): it is left as it was. A lecturer's inset is a third of the width
# at most, a ninth of the picture.
_INSET_MOST = 1 / 9


def blocks_over(blocks: np.ndarray, analysis: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """A mask of one byte a block (BLOCK pixels a side of a picture of the `analysis` size) drawn over a
    picture of `shape` (rows, columns) showing the same: each block's pixels take its value, and the
    pixels past the last whole block that of the block beside them (an inset in a corner goes on to the
    picture's edge)."""
    scale_y, scale_x = shape[0] / analysis[0], shape[1] / analysis[1]
    size = (round(blocks.shape[1] * BLOCK * scale_x), round(blocks.shape[0] * BLOCK * scale_y))
    scaled = cv2.resize(blocks, size, interpolation=cv2.INTER_NEAREST)[: shape[0], : shape[1]]
    below, right = shape[0] - scaled.shape[0], shape[1] - scaled.shape[1]
    if not scaled.size:
        return np.zeros(shape, np.uint8)
    return cv2.copyMakeBorder(scaled, 0, below, 0, right, cv2.BORDER_REPLICATE)


class LiveArea:
    """The blocks of the picture that keep changing, per look: what a screen shows around them is judged
    without them (whether it stands still, whether its text changed)."""

    def __init__(self) -> None:
        self._rate: np.ndarray | None = None  # per block, the share of recent looks it changed in
        self._live_at: np.ndarray | None = None  # per block, when it was last live
        self._held: np.ndarray | None = None  # the blocks live within _LIVE_HOLD at the last look
        self._time = 0.0
        self._since = 0.0  # the first look the shares were measured from
        # per block, whether it was flat or unchanged at any look: a rendered picture's, not a camera's
        self._rendered: np.ndarray | None = None
        self._flat_at: np.ndarray | None = None  # per block, the last look it was flat at
        self._stirred: np.ndarray | None = None  # per block, the share of recent looks it moved at all in
        self._unflat: np.ndarray | None = None  # the blocks a box may grow over (_grown), at the last box
        # 255 where a block is left out, at one pixel a block; None when none is. A new array whenever
        # it changes, so users can tell a change by identity.
        self.blocks: np.ndarray | None = None
        self._keep: np.ndarray | None = None  # 255 where the picture counts, at the analysis size
        self._changed: np.ndarray | None = None  # per block, 1 where the last look changed it
        self._ever_flat: np.ndarray | None = None  # per block, whether it was one grey level at any look
        self._quiet_since: np.ndarray | None = None  # per block, since when it has been a quiet camera's

    def update(
        self,
        diff: np.ndarray | None,
        shape: tuple[int, int],
        time: float,
        flat: np.ndarray | None = None,
        same: bool = False,
    ) -> None:
        """`diff`: this look's absolute difference from the look before (None: the same picture, `same`,
        or the first look); `flat`: its flat blocks (flat_blocks; None: as the look before)."""
        rows, cols = shape[0] // BLOCK, shape[1] // BLOCK
        if self._rate is None or self._rate.shape != (rows, cols):
            self._rate = np.zeros((rows, cols), np.float32)
            self._live_at = np.full((rows, cols), -np.inf)
            self._rendered = np.zeros((rows, cols), bool)
            self._flat_at = np.full((rows, cols), time)
            self._stirred = np.zeros((rows, cols), np.float32)
            self._ever_flat = np.zeros((rows, cols), bool)
            self._quiet_since = np.full((rows, cols), np.inf)
            self.blocks = self._keep = self._held = self._unflat = None
            self._since = self._time = time
        assert self._live_at is not None and self._rendered is not None and self._flat_at is not None
        assert self._stirred is not None
        if flat is not None and flat.shape == self._rendered.shape:
            self._rendered |= flat
            self._flat_at[flat] = time
            self._ever_flat |= flat
        if same:
            self._rendered[:] = True
        weight = 1.0 - math.exp(-max(time - self._time, 0.0) / _LIVE_MEMORY)
        self._time = time
        self._changed = None
        if diff is not None and rows and cols:
            largest = block_largest(diff[: rows * BLOCK, : cols * BLOCK])
            changed = cv2.threshold(np.ascontiguousarray(largest), LIVE_LEVELS, 1, cv2.THRESH_BINARY)[1]
            self._changed = changed
            cv2.accumulateWeighted(changed, self._rate, weight)
            self._rendered |= changed == 0
            stirred = cv2.threshold(np.ascontiguousarray(largest), 0, 1, cv2.THRESH_BINARY)[1]
            cv2.accumulateWeighted(stirred, self._stirred, weight)
        else:
            self._rate *= 1.0 - weight
            self._stirred *= 1.0 - weight
        # Hysteresis, as Canny links weak edges to strong ones: blocks changing in a quarter of that
        # share are live too within two blocks of a live one (the edge of an inset where people pass
        # less often).
        rate = self._rate
        watched = self._watched(time, _LIVE_WATCHED)
        if watched < 0.99:
            rate = np.where(self._rendered, rate, rate / watched)
        not_flat = time - self._flat_at >= _UNFLAT_SECONDS  # not flat for a second
        quiet = self._quiet_for_a_while(self._quiet_camera(time, not_flat), time)
        live: np.ndarray = (rate >= _LIVE_SHARE).astype(np.uint8) | quiet
        strong = np.count_nonzero(live)
        if strong > _LIVE_MOST * live.size:  # the picture itself is live: a camera, no screen around it
            self._live_at[live > 0] = time
            self.blocks = self._keep = self._held = None
            return
        if strong:
            weak = (rate >= _LIVE_SHARE / 4).astype(np.uint8) | quiet
            for _ in range(2):
                live = cv2.bitwise_and(cv2.dilate(live, _NEIGHBOURS), weak)
            self._live_at[live > 0] = time
        held = time - self._live_at <= _LIVE_HOLD
        unflat = not_flat & (self._stirred >= _STIRRED * watched)
        if (
            self._held is not None
            and np.array_equal(held, self._held)
            and (self.blocks is None or self._unflat is None or np.array_equal(unflat, self._unflat))
        ):
            return  # the same live blocks: the same area
        self._held, self._unflat = held, unflat
        if not held.any():
            self.blocks = self._keep = None
            return
        # An inset is a rectangle, but only the blocks where something moves change: each group of live
        # blocks (those a block apart joined) stands for its bounding box (of the joined group: a block
        # wider each way, but where it meets the picture's edge).
        blocks = np.zeros(held.shape, np.uint8)
        count, _, boxes, _ = components(cv2.dilate(held.astype(np.uint8) * 255, _NEIGHBOURS))
        for x, y, w, h in boxes[1:count, :4]:
            left, top = x + (x > 0), y + (y > 0)
            right, bottom = x + w - (x + w < cols), y + h - (y + h < rows)
            top, bottom, left, right = _grown(unflat, top, bottom, left, right)
            blocks[top:bottom, left:right] = 255
        if np.count_nonzero(blocks) > _LIVE_MOST * blocks.size:
            self.blocks = self._keep = None
            return
        if self.blocks is None or not np.array_equal(blocks, self.blocks):
            self.blocks = blocks
            self._keep = cv2.bitwise_not(blocks_over(blocks, shape, shape))

    def _watched(self, time: float, at_least: float) -> float:
        """The share of a full memory's weight the looks since the area was first seen carry, counted as
        `at_least` seconds of them however few."""
        return 1.0 - math.exp(-max(time - self._since, at_least) / _LIVE_MEMORY)

    def _quiet_camera(self, time: float, not_flat: np.ndarray) -> np.ndarray:
        """1 where a block belongs to a camera's picture whose blocks seldom change by much (a lecturer
        who sits still): stirred in half the looks (_QUIET_STIRRED), `not_flat` for a second, in a solid
        group (each within a 3x3 square of such blocks) no larger than an inset (_INSET_MOST); none while
        half the picture is stirred in a quarter of the looks (_QUIET_FLOOR)."""
        assert self._stirred is not None and self._flat_at is not None and self._ever_flat is not None
        # Corrected for a short watch only where never flat, as the live share is only where never
        # rendered (a pen or a pointer at work over a blank part of a slide stirs it in every look too),
        # and only past _QUIET_WATCHED.
        watched = self._watched(time, _QUIET_WATCHED)
        stirred = self._stirred >= np.where(self._ever_flat, _QUIET_STIRRED, _QUIET_STIRRED * watched)
        quiet = (stirred & not_flat).astype(np.uint8)
        cores = cv2.erode(quiet, _NEIGHBOURS, borderType=cv2.BORDER_CONSTANT, borderValue=0)
        solid: np.ndarray = cv2.bitwise_and(cv2.dilate(cores, _NEIGHBOURS), quiet)
        if not solid.any() or np.count_nonzero(self._stirred >= _QUIET_FLOOR * watched) * 2 >= solid.size:
            return np.zeros_like(solid)
        count, labels, boxes, _ = components(solid * 255)
        large = [
            label for label in range(1, count) if boxes[label, 2] * boxes[label, 3] > _INSET_MOST * solid.size
        ]
        if large:
            solid[np.isin(labels, large)] = 0
        return solid

    def _quiet_for_a_while(self, quiet: np.ndarray, time: float) -> np.ndarray:
        """`quiet` (_quiet_camera) where it has held for _UNFLAT_SECONDS: a slide coded anew stirs its
        blocks for a moment, a camera for as long as it is there."""
        assert self._quiet_since is not None
        self._quiet_since = np.where(quiet > 0, np.minimum(self._quiet_since, time), np.inf)
        return (time - self._quiet_since >= _UNFLAT_SECONDS).astype(np.uint8)

    def change_outside(self, diff: np.ndarray, change: float) -> float:
        """The mean change of the picture outside the live area (`change` where there is none), 0..1."""
        if self._keep is None:
            return change
        return cv2.mean(diff, mask=self._keep)[0] / 255.0

    def typed_at_most(self) -> bool:
        """Whether the last look changed at most a letter typed and the cursor moved on outside the live
        area: _TYPED blocks, each by more than LIVE_LEVELS, each where the background was (_TYPED)."""
        if self._changed is None or self._ever_flat is None:
            return True
        changed = self._changed > 0
        if self.blocks is not None and self.blocks.shape == changed.shape:
            changed &= self.blocks == 0
        return bool(np.count_nonzero(changed) <= _TYPED and not np.any(changed & ~self._ever_flat))


def _grown(unflat: np.ndarray, top: int, bottom: int, left: int, right: int) -> tuple[int, int, int, int]:
    """A box of blocks [top, bottom) x [left, right) grown by a row or a column at a time while most
    of that strip (_UNFLAT_SHARE) is `unflat`: to the edges of the picture that holds it (the box as it
    was if that is over _INSET_MOST of the picture)."""
    rows, cols = unflat.shape
    box = top, bottom, left, right
    while True:
        before = top, bottom, left, right
        if top > 0 and unflat[top - 1, left:right].mean() >= _UNFLAT_SHARE:
            top -= 1
        if bottom < rows and unflat[bottom, left:right].mean() >= _UNFLAT_SHARE:
            bottom += 1
        if left > 0 and unflat[top:bottom, left - 1].mean() >= _UNFLAT_SHARE:
            left -= 1
        if right < cols and unflat[top:bottom, right].mean() >= _UNFLAT_SHARE:
            right += 1
        if (bottom - top) * (right - left) > _INSET_MOST * unflat.size:
            return box
        if (top, bottom, left, right) == before:
            return before


Box = tuple[int, int, int, int]  # left, top, width, height (as cv2's connected components give them)


def union_box(a: Box | None, b: Box | None) -> Box | None:
    """The smallest box holding both (either alone when the other is None)."""
    if a is None or b is None:
        return a or b
    left, top = min(a[0], b[0]), min(a[1], b[1])
    return left, top, max(a[0] + a[2], b[0] + b[2]) - left, max(a[1] + a[3], b[1] + b[3]) - top


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """cv2.connectedComponentsWithStats of a 0/255 mask, 8-connected: count, labels, stats, centroids.
    Grana's block-based labelling gives the same labels in the same order as OpenCV's default, and
    with the statistics it takes a third of the time on these small masks (0.2 against 0.6 ms)."""
    return cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_GRANA)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


class FrameStats:
    """A few numbers per frame for the whole video, in typed arrays (8 bytes a number)."""

    def __init__(
        self, matte: Matte | None = None, crop: tuple[float, float, float, float] | None = None
    ) -> None:
        self.matte = matte  # black bars around the picture, whose flat black is no rendered background
        self.crop = crop  # the part of the picture the frames show (media.Crop), None for all of it
        self.times = array("d")
        self.frame_times = array("d")  # FrameView.frame_time
        self.sharpness = array("f")
        self.change = array("f")  # mean absolute difference from the previous frame, 0..1
        # 1 where not a pixel changed outside the live area (under UNCHANGED): a screen standing still
        # around a lecturer's camera
        self.still = array("B")
        self.live = LiveArea()
        self.brightness = array("f")
        self.hashes = array("Q")
        self.flat = array("f")  # share of the picture in blocks of exactly one grey level (flat_blocks)
        self.background = array("f")  # share of the picture at its most common grey level (background_share)
        self.contrast = array("f")  # standard deviation of the grey levels (see FLAT)
        self.faint = array("B")  # what a faint picture (under FLAT) holds: SPREAD, ONE_LINE, FEATURELESS
        # Mean B, G, R of each cell of a 3x3 grid, 27 bytes a frame: flat frames of different colours
        # hash alike, and so do the same layout in other colours (a red car where a blue one stood).
        self.colours = array("B")
        self.size = (0, 0)  # (width, height) of the analysis frames the numbers were measured on
        self._previous: np.ndarray | None = None

    def add(self, frame: FrameView) -> None:
        gray = frame.gray
        self.size = gray.shape[1], gray.shape[0]
        self.times.append(frame.time)
        self.frame_times.append(frame.frame_time)
        if gray is self._previous:  # the same picture as the frame before (FrameView.same_picture_as)
            for numbers in (self.sharpness, self.brightness, self.flat, self.background, self.contrast):
                numbers.append(numbers[-1])
            self.faint.append(self.faint[-1])
            self.hashes.append(self.hashes[-1])
            self.change.append(0.0)
            self.still.append(1)
            if self.rendered():
                self.live.update(None, gray.shape, frame.time, same=True)
            self.colours.extend(self.colours[-_GRID_BYTES:])
            return
        self.sharpness.append(float(cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S))[1][0, 0]) ** 2)
        self.brightness.append(cv2.mean(gray)[0])
        flat = flat_blocks(gray)
        self.flat.append(flat_share(flat, self.matte))
        self.background.append(background_share(gray, self.matte))
        previous = self._previous
        if previous is None or previous.shape != gray.shape:
            self.change.append(0.0)
            self.still.append(1)
            self.live.update(None, gray.shape, frame.time, flat)
        else:
            diff = cv2.absdiff(gray, previous)
            change = cv2.mean(diff)[0] / 255.0
            self.change.append(change)
            # A live area matters around a rendered picture only (the screen test and the text detector
            # ask for one): a camera's frames cost nothing here.
            outside = change
            if self.rendered():
                self.live.update(diff, gray.shape, frame.time, flat)
                outside = self.live.change_outside(diff, change)
            still = outside < UNCHANGED
            if not still and self.rendered():
                # A screen stands still while somebody types into it (a letter's blocks change on its
                # background, _TYPED), and while its codec codes it again in every frame (VP8 and VP9
                # screencasts, as GNOME's recorder and browsers write them, move its pixels by a level
                # or two: no block changes by more than a live block's change).
                still = self.live.typed_at_most()
            self.still.append(still)
        self.hashes.append(phash(gray))
        contrast = float(cv2.meanStdDev(gray)[1][0, 0])
        self.contrast.append(contrast)
        self.faint.append(faint_detail(gray) if contrast < FLAT else SPREAD)
        self.colours.frombytes(frame.colour_grid.tobytes())
        self._previous = gray

    def __len__(self) -> int:
        return len(self.times)

    def colour(self, index: int) -> tuple[int, ...]:
        return tuple(self.colours[_GRID_BYTES * index : _GRID_BYTES * (index + 1)])

    def rendered(self, index: int = -1) -> bool:
        """Whether the look at `index` (the latest by default) was a rendered picture's (a screen's, by its
        exactly flat blocks or its one-level background); False before any look."""
        return -len(self.flat) <= index < len(self.flat) and renders(self.flat[index], self.background[index])

    def index_at(self, time: float) -> int:
        """The first frame at or after `time` (len(self) past the end)."""
        return int(np.searchsorted(np.frombuffer(self.times, np.float64), time - 1e-6))


@dataclass(frozen=True)
class PictureSignature:
    """What FrameStats measured of one analysis frame: enough to tell whether another picture of the same
    moment, scaled to the same size as the analysis decode scales, shows the same (media.grab_frame
    checks the full-size frame it grabs with it)."""

    phash: int
    colour: tuple[int, ...]  # the 3x3 colour grid
    size: tuple[int, int]  # (width, height) of the analysis frame
    crop: tuple[float, float, float, float] | None = None  # the part of the picture it shows (media.Crop)

    @classmethod
    def of(cls, kf: Keyframe) -> PictureSignature | None:
        """The keyframe's; None for one made without measurements (by hand)."""
        if not (kf.colour and all(kf.analysis_size)):
            return None
        return cls(kf.phash, kf.colour, kf.analysis_size, kf.analysis_crop)

    @classmethod
    def of_picture(cls, yuv: np.ndarray) -> PictureSignature:
        """The signature of an I420 analysis picture, measured as FrameStats measures it."""
        frame = FrameView(0.0, yuv)
        height, width = frame.gray.shape
        return cls(phash(frame.gray), tuple(frame.colour_grid.ravel().tolist()), (width, height))

    def gaps(self, yuv: np.ndarray) -> tuple[int, float]:
        """How far the I420 picture `yuv` is from this one: perceptual-hash bits that differ, and the
        largest B, G or R gap in any cell of the colour grid (grey levels)."""
        other = PictureSignature.of_picture(yuv)
        cells = np.abs(np.array(other.colour, np.int16) - np.array(self.colour, np.int16))
        return hamming(other.phash, self.phash), float(cells.max())

    def matches(self, yuv: np.ndarray) -> bool:
        bits, cell = self.gaps(yuv)
        return bits <= _SAME_PICTURE_BITS and cell <= _SAME_PICTURE_LEVELS


@dataclass(frozen=True)
class Candidate:
    """A proposed keyframe: why, where the stretch it stands for begins, which frames it may be taken from."""

    reason: str  # cut, fade, dissolve, page-jump, activity-start, activity-peak, settled, text-change,
    # scrolled, coverage, heartbeat, start
    start: float  # seconds: where its segment begins
    pick: tuple[float, float]  # seconds: the keyframe is the sharpest settled frame in [pick[0], pick[1])
    importance: float = 1.0  # what the budget keeps first
    # The picture of the candidate before it only got more (typed into): this one stands for both.
    extends: bool = False
    # Whether its detector saw this picture before (a screen shown again): None when it cannot tell,
    # and the pictures' hashes decide.
    seen_before: bool | None = None


class Detector(Protocol):
    def process(self, frame: FrameView) -> None: ...

    def finish(self) -> list[Candidate]: ...
