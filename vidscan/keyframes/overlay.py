"""A recorder's clock: text drawn over a fixed camera's picture (the date and time, ticking every second)
that changes in place at a steady period, which no event does.

Left in, a clock whose digits are larger than the smallest object worth an event (any recorder's at 1080p)
is motion every second, so a scene never settles, and it differs from every earlier state of the scene,
so two pictures of an unchanged scene always differ (and I-frames first decodes every stretch). Each
look, the pieces of the picture that changed since the look before are followed in place: a region
that changes again and again at the same period (a tick), without growing as writing does, is a clock
(or a blinking light), and the text line it lies on is left out of the tests of whether anything moved
or differs (the minutes and the date beside the seconds change too seldom to show a period of their
own). A person or a car changes the picture in every look while it moves: no period, never a clock."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .frames import Box, components, union_box

_TICKS = 4  # steady intervals in a row (five ticks) before a region is a clock
_MIN_PERIOD = 0.5  # seconds: a region that changes faster than twice a second is moving (a mouth
# that talks, a hand that taps), not a display updating
_LINE = 1 / 8  # share of the picture's height: a clock is one line of text (see frames._CAPTION_BAND)
_UNSEEN = 3.0  # seconds without a tick after which a region that is not yet a clock is forgotten


@dataclass
class _Ticker:
    """A region of the picture that changed in place, and when."""

    box: Box
    last: float  # the look of its last change
    period: float = 0.0  # seconds between its last two changes
    steady: int = 0  # changes in a row that came one period after the one before

    def near(self, box: Box) -> bool:
        """Whether a piece of change lies on this region, or within a character of it (the next digit)."""
        left, top, width, height = self.box
        x, y, w, h = box
        return x <= left + width + height and x + w >= left - height and y <= top + height and y + h >= top


class Clock:
    """The rows of the picture that hold a recorder's clock, learnt from the changes between consecutive
    looks (see the module's doc). Once found, a clock stays for the rest of the pass: a recorder draws it
    on every frame, and a pass that skips stretches (I-frames first) sees no ticks in them."""

    def __init__(self, rate: float) -> None:
        self._tolerance = 1.5 / rate  # a tick is seen at the first look after it: within a look and a half
        self._tickers: list[_Ticker] = []
        self._rows: np.ndarray | None = None  # per row of the picture: True on a clock's line
        self._busy: list[float] = []  # the looks of the last _UNSEEN seconds with too much change to read

    @property
    def found(self) -> bool:
        return self._rows is not None

    def see(self, changed: np.ndarray, t: float) -> None:
        """`changed`: 255 where the picture changed since the look before (over its noise), at time `t`."""
        height = changed.shape[0]
        self._busy = [b for b in self._busy if t - b <= _UNSEEN]
        amount = cv2.countNonZero(changed)
        # A tick changes the seconds' two characters, each no wider than the line is tall: more change
        # than that is motion (followed elsewhere), and looking for ticks in it costs time for nothing.
        if amount > 2 * (_LINE * height) ** 2:
            self._busy.append(t)
        elif amount:
            count, _, stats, _ = components(changed)
            pieces: list[Box] = [(int(x), int(y), int(w), int(h)) for x, y, w, h in stats[1:count, :4]]
            touched: dict[int, _Ticker] = {}
            moved: set[int] = set()
            for box in pieces:
                if box[3] > _LINE * height:
                    continue  # taller than a line of text
                ticker = next((k for k in self._tickers if k.near(box)), None)
                if ticker is None:
                    self._tickers.append(_Ticker(box, t))
                    touched[id(self._tickers[-1])] = self._tickers[-1]
                    continue
                grown = union_box(ticker.box, box)
                assert grown is not None
                if grown[3] > _LINE * height:
                    continue
                # Writing goes on beside what was written (typing, a line drawn): a region that grows by
                # half a character or more changed somewhere new, not in place.
                if grown[2] - ticker.box[2] >= grown[3] / 2:
                    moved.add(id(ticker))
                ticker.box = grown
                touched[id(ticker)] = ticker
            for key, ticker in touched.items():
                if ticker.last < t:  # not one this look began
                    self._tick(ticker, t, height, key in moved)
        self._tickers = [k for k in self._tickers if k.steady >= _TICKS or t - k.last <= _UNSEEN]

    def _tick(self, ticker: _Ticker, t: float, height: int, moved: bool) -> None:
        interval = t - ticker.last
        ticker.last = t
        if interval < _MIN_PERIOD or moved:
            ticker.period, ticker.steady = 0.0, 0
        elif self._on_beat(ticker, interval):
            ticker.steady += 1
        else:
            ticker.period, ticker.steady = interval, 0
        if ticker.steady >= _TICKS:
            rows = np.zeros(height, bool) if self._rows is None else self._rows.copy()
            # The line it lies on, and a row either side for the characters' outline and the blur; a
            # clock is a line or two of text: regular change over more of the picture is none.
            top, tall = ticker.box[1], ticker.box[3]
            rows[max(0, top - 1) : top + tall + 1] = True
            if np.count_nonzero(rows) <= _LINE * height:
                self._rows = rows

    def _on_beat(self, ticker: _Ticker, interval: float) -> bool:
        """Whether a change came one period after the one before, or a whole number of periods after it
        with a look busy with motion (see see()) at each beat between, where a tick could not be read."""
        if not ticker.period:
            return False
        beats = round(interval / ticker.period)
        if beats < 1 or abs(interval - beats * ticker.period) > self._tolerance:
            return False
        start = ticker.last - interval
        return all(
            any(abs(busy - (start + k * ticker.period)) <= self._tolerance for busy in self._busy)
            for k in range(1, beats)
        )

    def band(self) -> tuple[float, float] | None:
        """Where the clock's lines lie, as shares of the picture's height from its top (None: none found)."""
        if self._rows is None:
            return None
        rows = np.flatnonzero(self._rows)
        return round(rows[0] / len(self._rows), 3), round((rows[-1] + 1) / len(self._rows), 3)

    def hide(self, difference: np.ndarray) -> np.ndarray:
        """`difference` (a picture of change) with the clock's lines set to 0."""
        if self._rows is None or len(self._rows) != difference.shape[0]:
            return difference
        out = difference.copy()
        out[self._rows] = 0
        return out
