"""Search and ask on analyzed footage: the lecture test video (real OCR and Whisper text, captions from
the test server) and shared clips of the security and inspection profiles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import run_cli, shared_video
from tests.fake_ollama import FakeOllama
from tests.whisper_fixture import whisper_base  # noqa: F401  (fixture)
from vidscan import Options, analyze
from vidscan.keyframes import KeyframeOptions
from vidscan.library import Library, LibraryOptions, SearchFilters
from vidscan.profiles import load_profile


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        yield fake


@pytest.fixture(scope="module")
def lecture_library(
    server: FakeOllama,
    tmp_path_factory: pytest.TempPathFactory,
    whisper_base: Path,  # noqa: F811  (the fixture)
) -> tuple[Path, Any]:
    """The lecture video analyzed once with the lecture profile: OCR and speech in its report."""
    pytest.importorskip("rapidocr_onnxruntime")
    from tests.lecture_video import cached_lecture_video

    lecture = cached_lecture_video()
    out = tmp_path_factory.mktemp("lectures")
    options = Options(
        out=out,
        host=server.url,
        profile=load_profile("lecture"),
        whisper_model=str(whisper_base),
        use_cache=False,
    )
    assert analyze(str(lecture.path), options).exit_code == 0
    return out, lecture


def slide_of(lecture: Any, seconds: float) -> int:
    return next(i for i, s in enumerate(lecture.slides) if s.start <= seconds < s.end)


def test_words_on_a_slide_and_words_said_over_it_find_that_slide(
    lecture_library: tuple[Path, Any], server: FakeOllama
) -> None:
    out, lecture = lecture_library
    with Library(out, LibraryOptions(host=server.url)) as library:
        for number, slide in enumerate(lecture.slides):
            for word in (*slide.slide_words, *slide.spoken_words):
                hits = library.search(word).hits
                assert hits and slide_of(lecture, hits[0].time) == number, (word, hits)
                assert word.lower() in " ".join(t.lower() for t, matched in hits[0].context if matched)
        # the topic of a slide, in words that are on none of them, by meaning
        volcanoes = library.search("lava flows").hits
        assert volcanoes and slide_of(lecture, volcanoes[0].time) == 0
        assert volcanoes[0].matched_by == "meaning"


def test_search_and_ask_the_lecture_from_the_command_line(
    lecture_library: tuple[Path, Any], server: FakeOllama
) -> None:
    out, lecture = lecture_library
    found = run_cli("search", "penguins", "--out", str(out), "--host", server.url)
    assert found.code == 0, found.stderr
    first = found.stdout.splitlines()
    assert first[0].startswith(f"{lecture.path.name}  0:0")
    assert "[penguins]" in first[1].lower() and Path(first[2].strip()).is_file()

    asked = run_cli(
        "ask", str(lecture.path), "where does the speaker mention a bicycle?", "--out", str(out),
        "--host", server.url, "--json",
    )  # fmt: skip
    assert asked.code == 0, asked.stderr
    answer = asked.json()
    assert answer["status"] == "answered"
    assert {slide_of(lecture, m["time"]) for m in answer["cited"]} == {1}
    assert all(m["video"] == lecture.path.name for m in answer["moments"])


def test_security_and_inspection_clips(server: FakeOllama, tmp_path: Path) -> None:
    """Real clips: the car clip with a level from the test server where a car passes, and the bottle
    clip with an inspection check; the filters of each profile find those moments."""
    cars = [(4.6, 8.5), (14.9, 18.9), (25.4, 28.5)]

    def caption(image: Image.Image, request: dict[str, Any]) -> dict[str, Any]:
        prompt = request["messages"][-1]["content"]
        match = re.search(r"taken at (\d+):(\d+(?:\.\d+)?)", prompt)
        if match is None:  # the inspection clip
            return {
                "description": "Bottles stand on a table.",
                "checks": {"c1": {"reason": "", "verdict": "fail"}},
            }
        seconds = int(match.group(1)) * 60 + float(match.group(2))
        car = any(start - 0.5 <= seconds <= end + 0.5 for start, end in cars)
        return {
            "vehicles": ["a grey car"] if car else [],
            "activity": "a car drives along the road" if car else "",
            "description": "A car passes on the road." if car else "An empty road beside a parking lot.",
            "level": 1 if car else 0,
        }

    server.caption_for = caption
    try:
        # A keyframe every 4 s at least: the quiet road between the cars is there too.
        road = KeyframeOptions(strategy="motion", min_coverage=4.0)
        security = Options(
            out=tmp_path, host=server.url, profile=load_profile("security"), use_cache=False, keyframes=road
        )
        analyze(str(shared_video("surveillance/intel_car-detection.mp4")), security)
        checks = load_profile("inspection", checks=["three bottles stand on the table"])
        inspection = Options(out=tmp_path, host=server.url, profile=checks, use_cache=False)
        analyze(str(shared_video("inspection/intel_bottle-detection.mp4")), inspection)
    finally:
        server.caption_for = None
    with Library(tmp_path, LibraryOptions(host=server.url)) as library:
        vehicles = library.search("vehicle on the road", SearchFilters(min_level=1), limit=50).hits
        bottles = library.search("bottles", SearchFilters(verdict="fail"), limit=50).hits
        everything = library.search("road", SearchFilters(profile="security"), limit=50).hits
    assert vehicles and all(h.video == "intel_car-detection.mp4" and h.level == 1 for h in vehicles)
    assert all(any(s - 1 <= h.time <= e + 1 for s, e in cars) for h in vehicles)
    assert {h.video for h in bottles} == {"intel_bottle-detection.mp4"} and all(
        "fail" in h.verdicts for h in bottles
    )
    assert len(everything) > len(vehicles)  # the quiet road is there too, without the level filter
