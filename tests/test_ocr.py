"""Reading slide text with the embedded OCR engines: words come back, in reading order."""

from __future__ import annotations

import importlib.util
import re
import shutil

import pytest

from tests.conftest import shared_video
from tests.lecture_video import cached_lecture_video, render_slide
from vidscan.media import grab_frame, probe
from vidscan.ocr import (
    ENGINES,
    TextBox,
    _without_stray_cjk,
    available_engine,
    read_text,
    reading_order,
    spaced,
)


def installed(engine: str) -> bool:
    if engine == "rapidocr":
        return importlib.util.find_spec("rapidocr_onnxruntime") is not None
    return shutil.which("tesseract") is not None


def need(engine: str) -> None:
    if not installed(engine):
        hint = "pip install rapidocr_onnxruntime" if engine == "rapidocr" else "apt-get install tesseract-ocr"
        pytest.skip(f"{engine} is not installed ({hint})")


def test_boxes_read_top_to_bottom_and_left_to_right() -> None:
    boxes = [
        TextBox("right column", 700, 505, 950, 548),
        TextBox("Title", 80, 60, 400, 130),
        TextBox("left column", 100, 500, 320, 545),  # the same line, a few pixels higher
        TextBox("second line", 100, 300, 600, 345),
    ]
    assert reading_order(boxes) == ["Title", "second line", "left column right column"]


def test_the_default_engine_is_one_that_is_installed() -> None:
    engine = available_engine()
    assert engine is None or installed(engine)
    if any(installed(e) for e in ENGINES):
        assert engine is not None


@pytest.mark.parametrize("engine", ENGINES)
def test_a_slide_is_read_line_by_line(engine: str) -> None:
    need(engine)
    bullets = ["Chlorophyll absorbs sunlight", "Glucose stored in leaves"]
    slide = render_slide("Photosynthesis Basics", bullets)
    lines = read_text(slide, engine=engine).splitlines()
    assert len(lines) == 3, lines
    assert "Photosynthesis" in lines[0] and "Basics" in lines[0]
    assert "Chlorophyll" in lines[1] and "sunlight" in lines[1]
    assert "Glucose" in lines[2] and "leaves" in lines[2]


def test_the_lecture_video_slides_are_legible_to_ocr() -> None:
    # tesseract when installed: the faster of the two, and this test is about the video, not the engine
    engine = "tesseract" if installed("tesseract") else available_engine()
    if engine is None:
        pytest.skip("no OCR engine installed")
    lecture = cached_lecture_video()
    slide = lecture.slides[1]
    frame = grab_frame(probe(str(lecture.path)), (slide.start + slide.end) / 2).image
    text = read_text(frame, engine=engine)
    assert all(word in text for word in slide.slide_words), text


def test_words_the_recogniser_ran_together_are_spaced_again() -> None:
    """RapidOCR's bundled model reads the course intro's slide as "Mappingandspatialanalysis" and
    "Howtomakeagoodmap"; the notes and the search index get the words apart."""
    need("rapidocr")
    course = probe(str(shared_video("screen_lecture/EKarton-Lecture-Video-to-PDF_input_6.mp4")))
    lines = read_text(grab_frame(course, 23.0).image, engine="rapidocr").splitlines()
    assert "Mapping and spatial analysis" in lines and "How to make a good map" in lines, lines
    # The same model writes a full-width comma on the pen lecture's slide ("adversaryA，3aPRG").
    pen = probe(str(shared_video("screen_lecture/EKarton-Lecture-Video-to-PDF_input_5.mp4")))
    text = read_text(grab_frame(pen, 12.4).image, engine="rapidocr")
    assert "adversary" in text and "," in text and "\uff0c" not in text, text


def test_only_runs_of_common_words_are_split() -> None:
    assert spaced("Youwilllearnabout...") == "You will learn about..."
    assert spaced("Newways to see theworld") == "New ways to see the world"
    # Names and terms that are no run of common words, identifiers, prompts, addresses, other languages
    for line in (
        "kubernetes and ffmpeg",
        "Lalani",
        "getUserName()",
        "faressoft at home in ~ $",
        "http://localhost:8080",
        "Datenschutzgrundverordnung",
        "Stream ciphers are semantically secure",
    ):
        assert spaced(line) == line


def test_an_english_screens_icons_are_not_read_as_chinese() -> None:
    """RapidOCR's bundled model reads JupyterLab's toolbar icons as "哭口" and "并"; an English screen's
    text has none of them, while a Chinese slide keeps its own."""
    need("rapidocr")
    screencast = probe(str(shared_video("screen_lecture/gh-scoped-creds_screencast.mp4")))
    text = read_text(grab_frame(screencast, 1.0).image, engine="rapidocr")
    assert "File Edit View" in text and "Download" in text, text
    assert not re.search(r"[\u3400-\u9fff]", text), text
    chinese = [TextBox("机器学习简介", 0, 0, 9, 1), TextBox("监督学习 supervised", 0, 2, 9, 3)]
    assert _without_stray_cjk(chinese) == chinese
