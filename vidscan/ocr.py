"""Reading the text in a frame with an embedded OCR engine, so slide text in the notes is exact.

Engines, in order of preference:

* ``rapidocr``: RapidOCR on onnxruntime (``pip install vidscan[ocr]``); its models ship inside the
  wheel, so it works offline from the first run;
* ``tesseract``: the ``tesseract`` program (Debian/Ubuntu: ``apt-get install tesseract-ocr``).

Both give text boxes; the text is returned as lines in reading order: top to bottom, and left to right
within a line (boxes whose vertical middles lie within half a line height of each other form a line).
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import math
import re
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .errors import VidscanError

if TYPE_CHECKING:
    from PIL import Image

ENGINES = ("rapidocr", "tesseract")
MIN_SCORE = 0.5  # RapidOCR boxes it is less sure of are mostly noise (textures, faces)
TESSERACT_MIN_CONFIDENCE = 40.0  # the same for tesseract's word confidence (0-100)
TESSERACT_TIMEOUT_S = 60.0


class OcrUnavailable(VidscanError):
    """No OCR engine is installed."""


@dataclass(frozen=True)
class TextBox:
    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


def available_engine() -> str | None:
    """The engine read_text uses by default: rapidocr if installed, else tesseract, else None."""
    if importlib.util.find_spec("rapidocr_onnxruntime") is not None:
        return "rapidocr"
    if shutil.which("tesseract"):
        return "tesseract"
    return None


def read_text(image: Image.Image, engine: str | None = None) -> str:
    """The text in the image as lines in reading order ('' when there is none)."""
    engine = engine or available_engine()
    if engine == "rapidocr":
        boxes = _rapidocr_boxes(image)
    elif engine == "tesseract":
        boxes = _tesseract_boxes(image)
    elif engine is None:
        raise OcrUnavailable(
            "no OCR engine: pip install 'vidscan[ocr]' (RapidOCR), or install tesseract "
            "(Debian/Ubuntu: sudo apt-get install tesseract-ocr)"
        )
    else:
        raise ValueError(f"unknown OCR engine {engine!r}; one of {', '.join(ENGINES)}")
    return "\n".join(reading_order(boxes))


def reading_order(boxes: Iterable[TextBox]) -> list[str]:
    """Lines of text: boxes grouped into lines top to bottom, each line's boxes left to right."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.middle):
        if lines:
            line = lines[-1]
            height = sorted(b.height for b in line)[len(line) // 2]
            middle = sum(b.middle for b in line) / len(line)
            if abs(box.middle - middle) <= height / 2:
                line.append(box)
                continue
        lines.append([box])
    return [" ".join(b.text for b in sorted(line, key=lambda b: b.left)) for line in lines]


# --- RapidOCR -------------------------------------------------------------------------------------------

_rapidocr_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _rapidocr() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def _rapidocr_boxes(image: Image.Image) -> list[TextBox]:
    import numpy as np  # here: `vidscan doctor` asks which engine is installed without loading it

    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    # One frame at a time: the engine keeps per-call state, and onnxruntime already uses every core.
    with _rapidocr_lock:
        result, _ = _rapidocr()(bgr)
    boxes = []
    for corners, text, score in result or []:
        xs = [float(p[0]) for p in corners]
        ys = [float(p[1]) for p in corners]
        if str(text).strip() and float(score) >= MIN_SCORE:
            # NFKC: the model, trained mostly on Chinese, writes the full-width forms of Latin punctuation
            # and letters ("，", "Ａ") where an English slide has the plain ones.
            line = unicodedata.normalize("NFKC", str(text)).strip()
            boxes.append(TextBox(spaced(line), min(xs), min(ys), max(xs), max(ys)))
    return _without_stray_cjk(boxes)


# Chinese, Japanese and Korean characters. The bundled model reads an English screen's icons, arrows and
# bullets as one (a toolbar's buttons as "哭口", a "⇒" as "二"): where they are under a twentieth of a
# frame's letters, they are such misreadings, not text, and are left out. A slide in those languages, or
# mixing them with English terms, has far more.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_STRAY_CJK = 0.05


def _without_stray_cjk(boxes: list[TextBox]) -> list[TextBox]:
    text = "".join(box.text for box in boxes)
    cjk = len(_CJK.findall(text))
    letters = cjk + sum(c.isascii() and c.isalpha() for c in text)
    if not cjk or cjk >= _STRAY_CJK * letters:
        return boxes
    out = []
    for box in boxes:
        cleaned = " ".join(_CJK.sub(" ", box.text).split())
        if any(c.isalnum() for c in cleaned):  # not a box of the misread alone, or of signs around it
            out.append(replace(box, text=cleaned))
    return out


# RapidOCR's recognition model in the wheel learnt mostly Chinese, which has no spaces: on an English
# slide it often runs words together ("Youwilllearnabout...", "Mappingandspatialanalysis"), which the notes
# then show and a search for "spatial analysis" cannot match. A run of letters is split where it reads as
# common English words: the split of least cost under Zipf's law over word frequencies (wordninja's
# model, built from Wikipedia), kept only when every piece is a common word, so that names and terms it
# does not know (kubernetes, ffmpeg, a user name) stay whole.
# One token of letters, capitalised at most (CamelCase is an identifier), between any signs around it.
_RUN = re.compile(r"^([^A-Za-z]*)([A-Z]?[a-z]{5,})([^A-Za-z]*)$")
# A line with the signs of code, a path, a prompt or an address is left as it is: identifiers and host
# names run words together on purpose.
_CODE = re.compile(r"[$~/\\_=<>{}\[\]@#|`:*]")
_COMMON = 20_000  # rank among English words: a piece must be this common ("spatial" is 16,277th)
_COMMON_SHORT = 2_000  # and a piece of two or three letters more so ("map" 1,933th): OCR's fragments of
# names ("ku", "ff", "tes") rank lower
_ONE_LETTER = ("a", "i")


@functools.lru_cache(maxsize=1)
def _english() -> tuple[Any, dict[str, float], float] | None:
    """wordninja's model, its costs by word, and the log of its word count (None without it)."""
    try:
        import wordninja
    except ImportError:
        return None
    model = wordninja.DEFAULT_LANGUAGE_MODEL
    costs: dict[str, float] = model._wordcost  # log((rank + 1) * log(words))
    return model, costs, math.log(len(costs))


def _rank(word: str, costs: dict[str, float], log_words: float) -> float:
    cost = costs.get(word.lower())
    return math.inf if cost is None else math.exp(cost) / log_words - 1


def spaced(line: str) -> str:
    """`line` with the spaces put back between English words run together (see _RUN); as it is without
    wordninja, or where nothing reads as common words."""
    english = _english()
    if english is None or _CODE.search(line):
        return line
    model, costs, log_words = english
    out = []
    for token in line.split(" "):
        run = _RUN.match(token)
        if run is None or _rank(run.group(2), costs, log_words) <= _COMMON:
            out.append(token)  # not a run of letters, or a word in itself
            continue
        pieces = model.split(run.group(2))
        common = len(pieces) > 1 and all(
            piece.lower() in _ONE_LETTER
            if len(piece) == 1
            else _rank(piece, costs, log_words) <= (_COMMON_SHORT if len(piece) <= 3 else _COMMON)
            for piece in pieces
        )
        out.append(run.group(1) + " ".join(pieces) + run.group(3) if common else token)
    return " ".join(out)


# --- tesseract ------------------------------------------------------------------------------------------


def _tesseract_boxes(image: Image.Image) -> list[TextBox]:
    """Tesseract's lines (its words joined by block, paragraph and line number) as boxes."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise OcrUnavailable("tesseract is not installed (Debian/Ubuntu: sudo apt-get install tesseract-ocr)")
    png = io.BytesIO()
    image.convert("RGB").save(png, format="PNG")
    proc = subprocess.run(
        [binary, "stdin", "stdout", "--psm", "3", "tsv"],
        input=png.getvalue(),
        capture_output=True,
        check=False,
        timeout=TESSERACT_TIMEOUT_S,
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VidscanError(f"tesseract failed: {detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    words: dict[tuple[str, str, str, str], list[dict[str, str]]] = {}
    rows = csv.DictReader(
        io.StringIO(proc.stdout.decode("utf-8", "replace")), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    for row in rows:
        text = (row.get("text") or "").strip()
        if text and float(row.get("conf") or -1) >= TESSERACT_MIN_CONFIDENCE:
            key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
            words.setdefault(key, []).append(row)
    boxes = []
    for line in words.values():
        left = min(int(w["left"]) for w in line)
        top = min(int(w["top"]) for w in line)
        right = max(int(w["left"]) + int(w["width"]) for w in line)
        bottom = max(int(w["top"]) + int(w["height"]) for w in line)
        text = " ".join(w["text"].strip() for w in sorted(line, key=lambda w: int(w["left"])))
        boxes.append(TextBox(text, left, top, right, bottom))
    return boxes
