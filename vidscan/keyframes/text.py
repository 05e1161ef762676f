"""Slides and screen recordings: compares edge maps at a size where text is legible, so a new bullet or a
new terminal line counts even though few pixels change; a keyframe once the screen has settled."""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import cv2
import numpy as np

from .frames import LIVE_LEVELS, Candidate, FrameView, blocks_over, components, union_box
from .frames import Box as _Box
from .options import KeyframeOptions

_STILL = 0.0006  # share of the picture whose edges moved between looks: below this, no change at once
# (a moving mouse pointer stays under it)
_TYPING = 0.00005  # share of the picture with new edges that stay (a typed character is more)
_NEW_SCREEN = 0.02  # edges moved over this share of the picture at once: a different screen
_NEAR = np.ones((3, 3), np.uint8)  # an edge one pixel away is the same edge (scaling, compression)
_RECODED = LIVE_LEVELS  # grey levels a pixel may move by while its picture is only coded again
# The pixels whose edges a moved pixel can change: Sobel's reach (one pixel), and two more for the fringe
# of a thin stroke (a pen's line) in a soft picture (a screen scaled up, a third of its size), which
# moves by less than _RECODED.
_AROUND = np.ones((7, 7), np.uint8)
_MEMORY = 1.6  # seconds of looks a new edge is checked against: longer than a cursor's blink
_AT_ONCE = 0.0018  # edges moved over this share between two looks: a line of text came at once
# A move under this share of the largest move of a change at once, while that change settles, is its last
# touch, not a new change: an encoder short of bits codes a new screen coarsely and sharpens its edges
# over the next frames (a twentieth: a line of text added to a screenful moves more).
_TOUCH_UP = 0.05
_TYPED_LOOKS = 4  # looks adding to the screen: fewer is a change at once, not typing
_KEPT = 0.0002  # edges gone under this share of the picture: nothing was taken away (a cursor's blink
# is less)
_LINE_EDGES = 0.00015  # share of the picture with new edges: less is a cursor or a speck, not a word
_LETTER_GAP = np.ones((1, 9), np.uint8)  # letters and words of one line are closer than this (640 px)
# A row of text, even a two-letter word, is at least as wide as tall; a mouse pointer (an arrow: 0.6,
# a hand: 0.8) or a block cursor is taller than wide.
_LINE_ASPECT = 1.0
_LINE_HEIGHT = 5  # pixels at the text size: the smallest legible letters; an underscore cursor is less
_STROKE = 40  # pixels at the text size: an addition this long is a line however flat (an underline, a
# pen's stroke: five letters long), where an underscore cursor is one letter
_SHOWN = 32  # screens remembered for revisits: 1 MB at the text size
_LINE_BAND = 0.1  # share of the picture's height: an addition taller than this is more than a line
_MARGIN = 0.04  # share of the height at the top and at the bottom left out: status bars, link previews
# and clocks change there without the screen's content changing
_BORDER = 2  # pixels at the text size left out at the left and the right: a window's frame or a
# scaler's edge, a line along the whole picture whose compression flickers, gives edges on both sides of
# the picture's last pixel (a terminal's first letter begins 2-4 source pixels in, further still here)
# A refresh in place (a dashboard such as top, a monitor's figures): the screen keeps this share of its
# edges and changes where it changed the time before, at the same pace, a look's time either way or a
# tenth of the interval. A slide or a command's output replaces or adds; a user changes a value when
# they please, not on a clock.
_KEPT_IN_PLACE = 0.8
_PLACE = 16  # pixels a side at the text size: the blocks where two changes are compared (two letters)
_SAME_PLACE = 0.5  # of the blocks either change touched, both touched (intersection over union)
_STEADY = 0.1  # of the time between two changes: how far the next may come from the same pace
# A refresh changes figures in many places at once (top: each process's); a slide's change, however alike
# the slides and steady the pace of an auto-advancing deck, is its content, in a place or two.
_PLACES = 6  # separate groups of changed blocks


def added_line(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether `after` is `before` plus a short line of text and nothing else: a one-word bullet or a
    short reply in a terminal changes fewer edges than a mouse pointer that moved, but only adds, and
    in a run wider than it is tall (a pointer or a block cursor is taller than wide)."""
    return _gone(before, after) < _KEPT and bool(_added_lines(before, after))


def _new_line(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether `after` is `before` plus a short line of text that begins a line of its own: nothing
    stood to its left on its rows (a cursor a letter wide aside), as an output line or a bullet does;
    typing goes on after a prompt."""
    if not added_line(before, after):
        return False
    box = _box(_added(before, after))
    return box is not None and _begins_a_row(before, box)


def _begins_a_row(before: np.ndarray, box: _Box) -> bool:
    """Whether nothing stood left of `box` on its rows in `before` (a cursor a letter wide aside)."""
    x, y, _, h = box
    return not cv2.countNonZero(before[y : y + h, : max(0, x - 2 * _LINE_HEIGHT)])


def _added_lines(before: np.ndarray, after: np.ndarray) -> list[_Box]:
    """The runs of edges `after` adds to `before` with a line of text in them, or a stroke (none when it
    adds fewer edges than a word: a cursor, a speck). Letters of a word, and a bullet's dash and its
    word, are a few pixels apart: they are joined first."""
    added = _added(before, after)
    if cv2.countNonZero(added) < _LINE_EDGES * added.size:
        return []
    count, _, stats, _ = components(cv2.dilate(added, _LETTER_GAP))
    return [(x, y, w, h) for x, y, w, h in stats[1:count, :4] if _holds_a_line(added[y : y + h, x : x + w])]


def _holds_a_line(run: np.ndarray) -> bool:
    """Whether a run of added edges holds a line of text: a row of it (rows apart where no edge lies
    between them: an answer and the prompt under it) at least as wide as tall, letters at least
    `_LINE_HEIGHT` tall, or a stroke however flat. A mouse pointer or a block cursor is taller than wide."""
    rows = np.flatnonzero(run.max(axis=1))
    bands = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    for band in bands:
        columns = np.flatnonzero(run[band[0] : band[-1] + 1].max(axis=0))
        wide, tall = int(columns[-1] - columns[0] + 1), int(band[-1] - band[0] + 1)
        if wide >= _LINE_ASPECT * tall and (tall >= _LINE_HEIGHT or wide >= _STROKE):
            return True
    return False


def _adds_own_line(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether `after` adds to `before` a line of text that begins a row of its own (a bullet, an
    output line, a slide's line), whatever else changed; typing goes on after text on its row."""
    return any(_begins_a_row(before, box) for box in _added_lines(before, after))


def edge_change(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the picture with an edge in one map and none near it in the other."""
    return _gone(a, b) + _gone(b, a)


def _gone(before: np.ndarray, after: np.ndarray) -> float:
    """Share of the picture with an edge in `before` and none near it in `after`."""
    return cv2.countNonZero(cv2.subtract(before, cv2.dilate(after, _NEAR))) / before.size


def _added(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The edges `after` has and `before` has not near them."""
    return cv2.subtract(after, cv2.dilate(before, _NEAR))


def _box(added: np.ndarray) -> _Box | None:
    if not cv2.countNonZero(added):
        return None
    x, y, w, h = cv2.boundingRect(added)
    return x, y, w, h


def _fills_in(first: _Box | None, added: np.ndarray) -> bool:
    """Whether an addition lies within the line an earlier one made (its rows, and its columns give or
    take a letter): a progress bar's next step, the next stage of a line redrawn in place. The earlier
    one is a line, no taller than a few lines of text; a pen's next stroke under or over it, or further
    along, lies outside it."""
    box = _box(added)
    if first is None or box is None:
        return False
    left, top, wide, tall = first
    if tall > _LINE_BAND * added.shape[0]:
        return False
    x, y, w, h = box
    # Along the line, give or take a letter; across it, a pixel or two (the place of an edge moves that
    # much with scaling and compression): a pen's stroke just under the last one is outside.
    up, side = 2, 2 * _LINE_HEIGHT
    return top - up <= y and y + h <= top + tall + up and left - side <= x and x + w <= left + wide + side


def _goes_on(first: _Box | None, added: np.ndarray) -> bool:
    """Whether an addition goes on along the line of an earlier one, as typing does: the earlier one
    is a line (no taller than a few lines of text), and the new one has edges on that line right where
    the earlier one ended (within a letter, as wide as the line is tall, either side: the next letter
    or the word after a space), a letter's worth of them at least (the smallest legible letter's
    height: a starved encoder's re-code of the line's last stroke flips a few); it may wrap onto the
    next lines. A pen's second stroke under or over the first, or further along the line, or a word
    added before it, is a new annotation, not more of the same line."""
    if first is None:
        return False
    left, top, wide, tall = first
    if tall > _LINE_BAND * added.shape[0]:
        return False
    end = left + wide
    return cv2.countNonZero(added[top : top + tall, max(0, end - tall) : end + tall]) >= _LINE_HEIGHT


_ONE = np.array([1.0])  # a one-element array is a scalar to OpenCV


class _NewEdges:
    """Edges that appeared and stayed: in this look and the one before, in none of the looks before
    those within `_MEMORY` seconds. Typing adds them with every key; a blinking cursor (seen in the
    memory) and a moving mouse pointer (never in the same place twice) do not."""

    def __init__(self, looks: int, text_size: int) -> None:
        self._looks: deque[np.ndarray] = deque(maxlen=max(3, looks))
        self._text_size = text_size  # the long side _LINE_HEIGHT is measured at
        # Per pixel, in how many of the looks before the last one it is an edge: kept as looks come and
        # go, so each look costs two additions, not an OR over the whole memory.
        self._older: np.ndarray | None = None

    def share(self, edges: np.ndarray) -> float:
        looks = self._looks
        share = 0.0
        if self._older is None or self._older.shape != edges.shape:
            looks.clear()
            self._older = np.zeros_like(edges)
        older = self._older
        if len(looks) == looks.maxlen:
            stayed = cv2.bitwise_and(edges, cv2.dilate(looks[-1], _NEAR))
            seen = cv2.threshold(older, 0, 255, cv2.THRESH_BINARY)[1]
            new = cv2.subtract(stayed, cv2.dilate(seen, _NEAR))
            count = cv2.countNonZero(new)
            # A speck smaller than any letter at this picture's scale (a pen's cursor) is no typing.
            if count and max(cv2.boundingRect(new)[2:]) < _LINE_HEIGHT * max(edges.shape) / self._text_size:
                count = 0
            share = count / edges.size
            cv2.subtract(older, _ONE, dst=older, mask=looks[0])  # leaves the memory as `edges` comes in
        if looks:
            cv2.add(older, _ONE, dst=older, mask=looks[-1])
        looks.append(edges)
        return share

    def forget(self) -> None:
        self._looks.clear()
        self._older = None


class TextDetector:
    """Looks at the frames that come with a `detail` picture (the pass sends one `text_rate` times a
    second)."""

    def __init__(self, options: KeyframeOptions) -> None:
        self._options = options
        self._new_edges = _NewEdges(round(_MEMORY * options.text_rate) + 2, options.text_size)
        self._reference: np.ndarray | None = None  # edges of the screen of the last keyframe
        self._reference_picture: np.ndarray | None = None  # and its picture, when known
        self._added_at: _Box | None = None  # where edges were added to make that screen
        # The edges of the screens given keyframes (packed bits): a screen shown again is no news.
        self._shown: deque[np.ndarray] = deque(maxlen=_SHOWN)
        self._previous: np.ndarray | None = None  # edges at the previous look
        self._previous_edges: np.ndarray | None = None  # and the look before that
        self._changed_since: float | None = None  # the screen began to change at once then
        self._typing_since: float | None = None  # first new edges (typing) since the last keyframe
        self._quiet_since: float | None = None  # no change at once and no new edges since then
        self._just_changed = False  # the last look saw a change at once
        self._moved = 0.0  # the share of edges the last look moved, if it changed the screen at once
        self._peak = 0.0  # the largest move of the change at once settling now
        self._at_once = False  # the latest change came at once (a line or more), not key by key
        self._one_look = False  # the change waiting to settle came within one look, and nothing since
        self._last_time = 0.0
        self._last_picture: np.ndarray | None = None  # the picture of the previous look
        self._last_strips: tuple[np.ndarray, np.ndarray | None] | None = None  # its margins, their edges
        self._margins_changed = -np.inf  # the last look that changed the margins
        self._edges_current = False  # whether _previous holds the edges of that picture (not after a pause)
        self._adding_looks = 0  # looks that added something since the last keyframe
        self._largest = 0.0  # the largest change between two looks since the last keyframe
        self._candidates: list[Candidate] = []
        # The candidate of the still stretch going on, if it has one: its frame may be taken anywhere in
        # the stretch, which ends with the next change.
        self._open: int | None = None
        self._live: np.ndarray | None = None  # the live area's blocks (frames.LiveArea) last seen
        self._keep: np.ndarray | None = None  # 255 where edges count: outside the live area
        # The looks of the last `text_settle` seconds and more (time, edges, picture): a keyframe's
        # reference is the screen at the look it picks, not the look that found it settled.
        self._recent: deque[tuple[float, np.ndarray, np.ndarray]] = deque(
            maxlen=round(options.text_settle * options.text_rate) + 2
        )
        self._touched: float | None = None  # the last look that moved any edge while the screen was still
        # The last keyframe's change if it kept most of the screen (_KEPT_IN_PLACE): when it began, and the
        # blocks it touched; and when the one before it began, if that one was in place too.
        self._in_place: tuple[float, np.ndarray] | None = None
        self._in_place_before: float | None = None

    def process(self, frame: FrameView, live: np.ndarray | None = None) -> None:
        """`live`: blocks of the analysis picture that keep changing (frames.LiveArea.blocks), whose
        edges do not count: a lecturer's camera beside the slides is not the screen changing."""
        if frame.detail is None:
            return
        margin = int(frame.detail.shape[0] * _MARGIN)
        inner = slice(margin, frame.detail.shape[0] - margin), slice(_BORDER, frame.detail.shape[1] - _BORDER)
        picture = frame.detail[inner]
        if live is not self._live:
            self._live = live
            if live is None:
                self._keep = None
            else:  # the live blocks over the detail picture, cut as the picture is
                over = blocks_over(live, frame.gray.shape, frame.detail.shape)
                self._keep = cv2.bitwise_not(over[inner])
        last, self._last_picture = self._last_picture, picture
        if self._margins_moved(frame.detail, margin):
            # Typing on a terminal's last row, a clock in a status bar: no news on the screen, but the
            # screen as it stood has ended.
            self._margins_changed = frame.time
            self._close(frame.time)
        alike = last is not None and not cv2.norm(picture, last, cv2.NORM_INF)
        if alike and self._edges_current and self._previous is not None:
            # Not a pixel changed (most looks at a screen): the same edges, outside the live area as it
            # is now.
            edges = self._visible(self._previous)
        else:
            edges = self._visible(cv2.Canny(picture, 60, 180))
        self._edges_current = True
        if self._previous is None:
            self._reference = self._previous = edges
            self._reference_picture = picture
            self._shown.append(np.packbits(edges))
            self._added_at = _box(edges)
            self._quiet_since = frame.time
        moved = edge_change(edges, self._visible(self._previous))
        # Right after a change at once, the new screen's edges are new and stay: that is not typing.
        typed = self._new_edges.share(edges) >= _TYPING and not self._just_changed
        self._just_changed = moved >= _STILL
        moved_before, self._moved = self._moved, moved if self._just_changed else 0.0
        before_change = self._previous_edges  # when this look confirms a change the look before made
        self._previous_edges, self._previous = self._previous, edges
        t = frame.time
        last_look, self._last_time = self._last_time, t
        self._recent.append((t, edges, picture))
        if moved >= _STILL or typed:
            # The stretch ends before this look, or before the last one for typing (new edges count
            # once they stayed a look: the first key shows a look earlier).
            self._close(t if moved >= _STILL else last_look)
            self._drifted(t, self._previous_edges)
        if moved >= _STILL:
            # A short line added while a change that came at once settles (a command's output streaming
            # line by line) moves fewer edges than a screenful, but belongs to that change: the output
            # is read at once. So does a short line that begins a line of its own after typing (a
            # command entered, its one-line answer and the next prompt). (A chunk of typing that a GIF
            # shows in one frame goes on after a prompt.)
            settling_at_once = (self._at_once and self._changed_since is not None) or (
                self._typing_since is not None
            )
            waiting = self._waiting()
            if waiting and moved > _NEW_SCREEN and t - min(waiting) >= 2 * self._options.text_settle:
                # A new screen before the last one ever settled (or while typing went on): the last one
                # still gets its keyframe, the calmest frame of its stretch since the later of the two
                # began (a command typed, then its answer: the answer; should a cut onto that answer
                # start first, plan.choose leaves this one out).
                assert self._previous_edges is not None
                self._emit(min(waiting), (max(waiting), t), self._previous_edges)
                self._changed_since = None
            # A change that came within one look, added a line of its own and then stood still came
            # at once, however few edges it moved (a bullet, a slide with little text on a large
            # screen). A chunk of typing a look saw whole goes on along a row; an overlay's icon
            # that vanished adds nothing.
            before = self._previous_edges
            self._one_look = (
                self._changed_since is None
                and self._typing_since is None
                and before is not None
                and _adds_own_line(self._visible(before), edges)
            )
            self._count(moved, typed)
            self._quiet_since = None
            touch_up = self._at_once and self._changed_since is not None and moved < _TOUCH_UP * self._peak
            self._peak = moved if self._changed_since is None else max(self._peak, moved)
            self._changed_since = t if self._changed_since is None else self._changed_since
            line = settling_at_once and before is not None and _new_line(self._visible(before), edges)
            # A change at once that slows to a stop (a slide's transition easing out: its last looks
            # move a little less each) is still one.
            easing = self._at_once and moved <= moved_before
            self._at_once = moved >= _AT_ONCE or line or easing or touch_up
            return
        self._count(moved, typed)
        if typed:
            # Typing holds the keyframe back until it pauses: one per settled screen, not one per key
            # (nor one per command line a terminal echoes back while the user types on).
            # But a line of text that came in one look and stayed (a reply, a suggestion, a new
            # prompt), or the last touch of a change that came at once and has not settled yet, is
            # output, read at once: typing adds a character or two a look, and goes on. After typing,
            # such a line counts when it begins a line of its own (a command entered, its answer and the
            # next prompt): typing goes on after a prompt.
            first = self._typing_since is None
            came = added_line if first else _new_line
            line = before_change is not None and came(self._visible(before_change), edges)
            self._at_once = line or (first and self._at_once and self._changed_since is not None)
            self._quiet_since = None
            self._typing_since = t if first else self._typing_since
            self._one_look = False
            return
        if self._quiet_since is None or moved > 0:
            self._touched = t
            if moved > 0:
                self._close(t)  # touched: the screen as it settled ends here, however little
        self._quiet_since = t if self._quiet_since is None else self._quiet_since
        waiting = self._waiting()
        # Output, a new bullet, a new slide come at once and are read at once: a terminal demo pauses
        # half a second after each. Typing and drawing pause that long between strokes: their screen
        # has settled only after a longer pause.
        at_once = self._at_once or self._one_look
        settle = self._options.text_settle_at_once if at_once else self._options.text_settle
        if waiting and t - self._quiet_since >= settle:
            # The middle of the still stretch: past the last touches of the change that led to it,
            # before a next one that starts too small to notice (a typed character).
            middle = (self._quiet_since + t) / 2
            at_middle = next(edges for time, edges, _ in self._recent if time >= middle - 1e-6)
            if self._differs(at_middle):
                self._emit(min(waiting), (middle, middle + 1e-3), at_middle)
                self._open = len(self._candidates) - 1
                if self._margins_changed > middle:  # the state has ended in the margins already
                    self._close(self._margins_changed)
            self._changed_since = self._typing_since = None

    def _margins_moved(self, detail: np.ndarray, margin: int) -> bool:
        """Whether the strips left out at the top and the bottom changed by a typed character's edges
        or more since the last look."""
        strips = np.vstack([detail[:margin], detail[detail.shape[0] - margin :]])
        if self._last_strips is None or self._last_strips[0].shape != strips.shape:
            self._last_strips = strips, None
            return False
        last, last_edges = self._last_strips
        if not cv2.norm(strips, last, cv2.NORM_INF):
            self._last_strips = strips, last_edges  # the same pixels: the same edges
            return False
        edges = cv2.Canny(strips, 60, 180)
        last_edges = cv2.Canny(last, 60, 180) if last_edges is None else last_edges
        self._last_strips = strips, edges
        return edge_change(edges, last_edges) * strips.size >= _TYPING * detail.size

    def _close(self, end: float) -> None:
        """The still stretch of the open candidate ended at `end` (exclusive): its frame is taken from the
        middle half of what stood from the middle of the stretch that confirmed it up to there. A change's
        last touches can be too small to count (a fade easing out over seconds, a pen's last dot): within
        the state as it stood, they are done."""
        index, self._open = self._open, None
        if index is not None and end > self._candidates[index].pick[1]:
            # Its middle half, as a shot's keyframe is taken: away from both ends, where the change
            # before and the next one may have begun unseen.
            cand = self._candidates[index]
            quarter = (end - cand.pick[0]) / 4
            self._candidates[index] = replace(cand, pick=(cand.pick[0] + quarter, end - quarter))

    def _drifted(self, end: float, last: np.ndarray | None) -> None:
        """At the end of a still stretch (`end`: the look that ends it, or the video's end; `last`: its
        last look's edges): a screen that changed by touches too small to count one by one (ink erased a
        little at a time) and then stood unchanged for `text_settle`, unlike the last keyframe's, gets a
        keyframe of its own."""
        touched, self._touched = self._touched, None
        if self._quiet_since is None or self._waiting() or touched is None or last is None:
            return
        if end - touched >= self._options.text_settle and self._differs(last):
            middle = (touched + end) / 2
            self._emit(touched, (middle, middle + 1e-3), last)

    def pause(self, frame: FrameView) -> None:
        """Instead of process(), for a look not worth its edges (the caller knows the picture is not a
        screen's): the screen counts as changing, so once looks resume, a keyframe comes when it has
        settled, if it differs from the last one. Edges from before the pause are no evidence of typing
        after it."""
        t = frame.time
        self._close(t)
        self._changed_since = t if self._changed_since is None else self._changed_since
        self._quiet_since = None
        self._just_changed = True
        self._new_edges.forget()
        self._edges_current = False
        self._last_time = t

    def _differs(self, edges: np.ndarray) -> bool:
        """Whether the settled screen differs from the last keyframe's. Only where its picture moved by
        more than a re-code does: an encoder codes a still screen again (each I-frame) a few grey levels
        off, and a faint line (a toolbar's border) whose gradient lies near Canny's threshold comes and
        goes with that, where a letter, a line or a slide moves its pixels by tens of levels."""
        assert self._reference is not None
        before, picture = self._reference_picture, self._picture_of(edges)
        if before is None or picture is None or before.shape != picture.shape:
            return not self._same_screen(self._reference, edges)
        moved = cv2.threshold(cv2.absdiff(picture, before), _RECODED, 255, cv2.THRESH_BINARY)[1]
        moved = cv2.dilate(moved, _AROUND)
        return not self._same_screen(cv2.bitwise_and(self._reference, moved), cv2.bitwise_and(edges, moved))

    def _picture_of(self, edges: np.ndarray) -> np.ndarray | None:
        """The picture of a recent look whose edges are `edges` (None once it is out of memory)."""
        return next((picture for _, seen, picture in self._recent if seen is edges), None)

    def _same_screen(self, before: np.ndarray, after: np.ndarray) -> bool:
        """Unless they differ in more than `text_threshold` of their edges, or by a line of text added
        or taken away."""
        before, after = self._visible(before), self._visible(after)
        if edge_change(after, before) > self._options.text_threshold:
            return False
        return not added_line(before, after) and not added_line(after, before)

    def _visible(self, edges: np.ndarray) -> np.ndarray:
        """The edges outside the live area."""
        if self._keep is None or self._keep.shape != edges.shape:
            return edges
        return cv2.bitwise_and(edges, self._keep)

    def _count(self, moved: float, typed: bool) -> None:
        """Keeps how the screen changed since the last keyframe (after that keyframe is taken: a new
        screen that ends a stretch is not part of it)."""
        self._largest = max(self._largest, moved)
        self._adding_looks += typed or moved >= _STILL

    def _waiting(self) -> list[float]:
        """When the changes still waiting for the screen to settle began."""
        return [t for t in (self._changed_since, self._typing_since) if t is not None]

    def _emit(self, start: float, pick: tuple[float, float], edges: np.ndarray) -> None:
        assert self._reference is not None
        # Typed on along the line the keyframe before was typed into (added to over several looks,
        # never a line at once, nothing taken away): that keyframe (a half-typed line) shows nothing
        # this one does not. A new bullet comes at once, and a pen's next annotation goes elsewhere on
        # the slide: each keeps a keyframe of its own.
        reference = self._visible(self._reference)
        added = _added(reference, edges)
        typed_into = self._adding_looks >= _TYPED_LOOKS and self._largest < _AT_ONCE and not self._at_once
        # Likewise a change that only added within the line the keyframe before added (a progress bar
        # filling): that keyframe shows part of what this one shows.
        gone = _gone(reference, edges)
        nothing_gone = gone < _KEPT
        filled_in = nothing_gone and _fills_in(self._added_at, added)
        extends = filled_in or (nothing_gone and typed_into and _goes_on(self._added_at, added))
        extends = self._refreshed(start, reference, edges, gone, added) or extends
        seen = any(
            self._same_screen(np.unpackbits(old)[: edges.size].reshape(edges.shape), edges)
            for old in self._shown
        )
        self._shown.append(np.packbits(edges))
        self._candidates.append(Candidate("text-change", start, pick, 1.5, extends=extends, seen_before=seen))
        # The line a filled-in change belongs to is the whole line as drawn so far (a progress bar's next
        # step fills in after this one, not within it).
        box = _box(added)
        self._reference, self._added_at = edges, union_box(self._added_at, box) if filled_in else box
        self._reference_picture = self._picture_of(edges)
        self._typing_since = None
        self._adding_looks, self._largest = 0, 0.0

    def _refreshed(
        self, start: float, reference: np.ndarray, edges: np.ndarray, gone: float, added: np.ndarray
    ) -> bool:
        """Whether this change (from `reference` to `edges`, begun at `start`; `gone` and `added` as _emit
        measured them) refreshes the screen in place as the two keyframes before it did: each kept most
        of the screen's edges, changed it in many places, the same blocks, and came at the same pace. Its
        keyframe then stands in for the one before (the screen as last refreshed): one keyframe for a
        dashboard, not one per refresh."""
        total = cv2.countNonZero(reference)
        changed = cv2.bitwise_or(added, _added(edges, reference))
        h, w = changed.shape[0] // _PLACE * _PLACE, changed.shape[1] // _PLACE * _PLACE
        blocks = changed[:h, :w].reshape(h // _PLACE, _PLACE, w // _PLACE, _PLACE).max(axis=(1, 3)) > 0
        kept = total and 1.0 - gone * reference.size / total >= _KEPT_IN_PLACE
        if not kept or components(blocks.astype(np.uint8))[0] - 1 < _PLACES:
            self._in_place = self._in_place_before = None
            return False
        refresh = False
        if self._in_place is not None and self._in_place_before is not None:
            last, last_blocks = self._in_place
            both, either = np.count_nonzero(blocks & last_blocks), np.count_nonzero(blocks | last_blocks)
            pace, before = start - last, last - self._in_place_before
            steady = abs(pace - before) <= 1.0 / self._options.text_rate + _STEADY * before
            refresh = bool(either > 0 and both / either >= _SAME_PLACE and steady)
        self._in_place_before = self._in_place[0] if self._in_place is not None else None
        self._in_place = (start, blocks)
        return refresh

    def so_far(self) -> list[Candidate]:
        return list(self._candidates)

    def horizon(self, now: float) -> float:
        """No candidate proposed later will start before this time: a change or typing in progress
        gets its keyframe, starting where it began, once the screen settles; a still screen may yet
        turn out to have drifted since its last touch (_drifted)."""
        drifting = [self._touched] if self._touched is not None and self._quiet_since is not None else []
        # (the open candidate's frame is not chosen yet)
        choosing = [self._candidates[self._open].start] if self._open is not None else []
        return min([now, *self._waiting(), *drifting, *choosing])

    def finish(self) -> list[Candidate]:
        self._close(self._last_time + 1e-3)
        self._drifted(self._last_time + 1e-3, self._previous)
        waiting = self._waiting()
        if waiting and self._previous is not None and self._reference is not None:
            # The video ended before the screen settled (typing to the last second): its last state
            # still gets a keyframe if it differs from the last one taken.
            if self._differs(self._previous):
                start, end = min(waiting), self._last_time + 1e-3
                self._emit(start, (max(start, end - self._options.text_settle), end), self._previous)
            self._changed_since = None
        return self._candidates
