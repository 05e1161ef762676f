"""A fixed camera that sways: a camera on a pole or a mast in wind, on a vibrating machine, on a mount
that settles. Its whole view shifts by a pixel or more from look to look, so every edge of the scene is
foreground to the background model and motion to the test of whether anything still moves: the scene
never settles, and the sway itself starts activity (CDnet 2014's "camera jitter" category).

The field's answer is to register each picture onto a reference view before the background model
sees it, as a video stabiliser does. The reference is the background model's own picture of the
scene: it is in the registered view by construction and follows the scene as things are moved in it.
The shift is found by phase correlation (the peak of the normalised cross-power spectrum, to a
fraction of a pixel), in each quarter of the picture: a camera's sway moves every quarter alike,
while a person or a car moves one, a bottle taken away changes one, and a quarter of plain table or
sky matches nothing. The shift is what the largest group of matching quarters agrees on, two at
least; where none agree, the last shift found stands.

Registering is not perfect (a tenth to half a pixel off, more where a quarter is half covered), so
once a camera sways the tests of whether anything still moves or differs compare each pixel with the
range of its 5x5 neighbourhood in the other picture, and leave out the strip along each edge that a
shifted picture fills by repeating its last row or column (what enters there is still seen at the
strip's edge).

Most fixed cameras stand still, and finding a shift costs a few times the background model's look,
so a camera is checked once a second and registered on every look only once it has been seen to
move: by a pixel or more, agreed by three quarters of the picture, in two of the last five checks (a
face that fills the picture of a talking head, learnt by the background model and moving, has two
quarters agree now and then; a sway moves them all). A camera that drifts slowly (a
mount settling: the shared car park's, a pixel in 12 s) is registered from then on too.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import cv2
import numpy as np

_CHECK = 1.0  # seconds between checks of a camera not known to sway
_MOVED = 1.0  # analysis pixels: a shift this large is the camera, not the estimate's own error (a
# tenth of a pixel on a textured scene)
_AGREE = 0.5  # analysis pixels: quarters whose shifts lie this close describe one motion
_PEAK = 0.3  # phase correlation's peak under this is no match (a quarter of plain wall or sky, one
# that a person fills): matched views of a textured scene peak at 0.5 to 1
_AGREED = 3  # quarters that must agree on a shift before it is taken as the camera's (see the module's
# doc); once the camera sways, two (a quarter may hold a person, another plain wall)
_SEEN = 2  # checks out of the last _WINDOW that must find the camera moved: once is a misjudged check
_WINDOW = 5
_MARGIN_SECONDS = 5.0  # a margin as wide as the largest shift of this long: a sway's swing takes a
# second or two
_MAX_SHIFT = 0.1  # share of the picture: a larger "shift" is a cut or a moved camera, not a sway


def fft_size(n: int) -> int:
    """The largest even size up to `n` that OpenCV's DFT takes as it is: phaseCorrelate pads a picture
    to a size its DFT is fast at, and a padded or odd size biases the shift it finds by half a pixel."""
    m = n - n % 2
    while m > 2 and cv2.getOptimalDFTSize(m) != m:
        m -= 2
    return m


class Stabiliser:
    """Registers a fixed camera's looks onto the background model's view, once the camera is seen to
    sway (see the module's doc). The model's own picture of the background is the reference: it is in
    the registered view by construction, and it follows the scene as things are moved in it."""

    def __init__(self, rate: float) -> None:
        self._every = max(1, round(rate * _CHECK))
        self._looks = 0
        self._windows: dict[tuple[int, int], np.ndarray] = {}
        self._moved: deque[bool] = deque(maxlen=_WINDOW)
        self._shift = (0.0, 0.0)  # the last shift found, kept through looks where none is agreed
        self.swaying = False  # stays once found: a camera that swayed in wind sways again
        self._recent: deque[float] = deque(maxlen=max(1, round(rate * _MARGIN_SECONDS)))

    def restart(self) -> None:
        """The background model starts over from the next picture, unregistered."""
        self._shift = (0.0, 0.0)

    def steady(self, grey: np.ndarray, background: Callable[[], np.ndarray]) -> np.ndarray:
        """`grey` moved back onto the view of `background()` (the background model's picture), when
        the camera sways; otherwise as it is."""
        self._looks += 1
        if not self.swaying and self._looks % self._every:
            return grey
        reference = background()
        if reference.shape != grey.shape:
            return grey  # the model has seen no picture yet
        shift = None
        if not self.swaying:
            # Coarse to fine: at half size first (a tenth of the cost), whose estimate may fall short
            # of a shift by half; at full size where it says the camera may have moved.
            coarse = self._find_shift(reference, grey, 2, _AGREED)
            if coarse is not None and max(map(abs, coarse)) >= _MOVED / 2:
                shift = self._find_shift(reference, grey, 1, _AGREED)
            self._moved.append(shift is not None and max(map(abs, shift)) >= _MOVED)
            self.swaying = sum(self._moved) >= _SEEN
            if not self.swaying:
                return grey
        if shift is None:
            shift = self._find_shift(reference, grey)
        if shift is not None:
            self._shift = shift
        dx, dy = self._shift
        self._recent.append(max(abs(dx), abs(dy)))
        if abs(dx) < 0.05 and abs(dy) < 0.05:
            return grey
        move_back = np.array([[1, 0, -dx], [0, 1, -dy]], np.float32)
        size = (grey.shape[1], grey.shape[0])
        return cv2.warpAffine(grey, move_back, size, borderMode=cv2.BORDER_REPLICATE)

    @property
    def margin(self) -> int:
        """Pixels along each edge that a registered look fills by repeating its last row or column:
        as wide as the largest shift of the last seconds (0 while the camera is not registered)."""
        if not self.swaying or not self._recent:
            return 0
        return math.ceil(max(self._recent)) + 1

    @staticmethod
    def _quarters(grey: np.ndarray, scale: int) -> list[np.ndarray]:
        picture = (
            grey
            if scale == 1
            else cv2.resize(grey, None, fx=1 / scale, fy=1 / scale, interpolation=cv2.INTER_AREA)
        )
        picture = picture.astype(np.float32)
        h, w = fft_size(picture.shape[0] // 2), fft_size(picture.shape[1] // 2)
        return [
            picture[y : y + h, x : x + w]
            for y in (0, picture.shape[0] - h)
            for x in (0, picture.shape[1] - w)
        ]

    def _window(self, shape: tuple[int, int]) -> np.ndarray:
        if shape not in self._windows:
            self._windows[shape] = cv2.createHanningWindow((shape[1], shape[0]), cv2.CV_32F)
        return self._windows[shape]

    def _find_shift(
        self, reference: np.ndarray, grey: np.ndarray, scale: int = 1, least: int = 2
    ) -> tuple[float, float] | None:
        """How far `grey` lies from `reference`, in analysis pixels (measured on both made `scale` times
        smaller): what the largest group of quarters that match (see _PEAK) agree on, `least` of them
        at least (None where there is no such group: a plain scene, a crowd, a cut). Something that
        moves or was moved fills a quarter or two, and the camera's shift is what the rest agree on."""
        shifts = []
        for before, now in zip(self._quarters(reference, scale), self._quarters(grey, scale), strict=True):
            (dx, dy), peak = cv2.phaseCorrelate(before, now, self._window(now.shape))
            if peak >= _PEAK and max(abs(dx) / now.shape[1], abs(dy) / now.shape[0]) < 2 * _MAX_SHIFT:
                shifts.append((scale * dx, scale * dy))
        groups = [
            [s for s in shifts if max(abs(s[0] - centre[0]), abs(s[1] - centre[1])) <= _AGREE]
            for centre in shifts
        ]
        largest = max(groups, key=len, default=[])
        if len(largest) < least or sum(len(g) == len(largest) and g != largest for g in groups):
            return None  # too few agree, or two groups as large disagree
        dx, dy = np.mean(np.array(largest), axis=0)
        return float(dx), float(dy)
