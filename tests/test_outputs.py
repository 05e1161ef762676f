"""The files each profile writes, from report dicts: notes.md, chapters, events, verdicts."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from vidscan.outputs import BATCH_OUTPUTS, VIDEO_OUTPUTS
from vidscan.outputs.inspection import any_fail, clip_verdict, verdict_table, verdicts_json
from vidscan.outputs.lecture import chapter_list, notes_markdown, slides, youtube_chapters
from vidscan.outputs.security import events_markdown, events_timeline, events_vtt, fails, look_first
from vidscan.outputs.vtt import vtt_document


def slide(index: int, start: float, end: float, title: str, ocr: str, said: str, **caption: Any) -> dict:
    return {
        "index": index,
        "time": start + 0.5,
        "segment": [start, end],
        "duplicate_of": caption.pop("duplicate_of", None),
        "ocr_text": ocr,
        "transcript": said,
        "caption": {
            "slide_title": title,
            "slide_text": "",
            "description": "A slide.",
            "key_terms": [],
            **caption,
        },
    }


def lecture_report(chapters: list[dict] | None = None, duration: float = 90.0) -> dict[str, Any]:
    return {
        "video": {"name": "geology.mp4", "duration": duration},
        "keyframes": [
            slide(
                0,
                0.0,
                30.0,
                "Volcanic Geology",
                "Volcanic Geology\nBasalt cools quickly",
                "penguins at the pole",
                key_terms=["basalt"],
            ),
            slide(
                1,
                30.0,
                60.0,
                "Glacier Erosion",
                "Glacier Erosion\nMoraines mark old ice",
                "a bicycle climbing",
                key_terms=["moraine", "Basalt"],
            ),
            slide(
                2,
                60.0,
                90.0,
                "Volcanic Geology",
                "Volcanic Geology\nBasalt cools quickly",
                "back to volcanoes",
                duplicate_of=0,
            ),
        ],
        "summary": {
            "title": "Landforms",
            "overview": "Rocks and ice.",
            "chapters": chapters or [],
            "events": [],
        },
    }


# --- lecture --------------------------------------------------------------------------------------------


def test_notes_put_slide_text_and_speech_under_the_right_slide() -> None:
    notes = notes_markdown(lecture_report())
    sections = notes.split("\n### ")
    assert sections[0].startswith("# Landforms\n\nRocks and ice.\n\n**Key terms:** basalt, moraine\n")
    first, second, third = sections[1:]
    assert first.startswith("1. Volcanic Geology (0:00)")
    assert "> Basalt cools quickly" in first and "penguins at the pole" in first and "bicycle" not in first
    assert second.startswith("2. Glacier Erosion (0:30)") and "*On screen 0:30–1:00*" in second
    assert "> Moraines mark old ice" in second and "a bicycle climbing" in second
    assert "Same slide as slide 1." in third and "back to volcanoes" in third and "Basalt" not in third


def test_untrusted_text_stays_literal_in_markdown() -> None:
    report = lecture_report()
    report["keyframes"][0]["ocr_text"] = (
        "Title\n# not a heading\n![track](http://example.invalid/t.png) <b>x</b>"
    )
    report["keyframes"][0]["transcript"] = "see [this](javascript:alert(1))"
    notes = notes_markdown(report)
    assert "> \\# not a heading" in notes
    assert "!\\[track\\](http://example.invalid/t.png) \\<b\\>x\\</b\\>" in notes
    assert "see \\[this\\](javascript:alert(1))" in notes
    assert "](" not in notes.replace("\\](", "")


def test_without_summary_chapters_the_slides_are_the_chapters() -> None:
    report = lecture_report()
    # A slide shown again is a chapter again (the topic came back), but a repeat in a row is not.
    assert chapter_list(report) == [
        (0.0, 30.0, "Volcanic Geology"),
        (30.0, 60.0, "Glacier Erosion"),
        (60.0, 90.0, "Volcanic Geology"),
    ]
    assert (
        youtube_chapters(report) == "00:00 Volcanic Geology\n00:30 Glacier Erosion\n01:00 Volcanic Geology\n"
    )
    assert [s.title for s in slides(report)] == ["Volcanic Geology", "Glacier Erosion", "Volcanic Geology"]


def test_a_screen_without_a_title_is_titled_by_its_own_text_not_the_menu_bar() -> None:
    # A screen recording: the model gave no titles; OCR reads the application's menu bar first on every
    # screen. The menu bar stays in the screen's text; the title is the first line of the screen's own.
    # Between them a browser (its own bar), and an icon OCR reads as one letter. A screen with nothing
    # else on it keeps the menu bar as its title.
    ocr = [
        "File Edit View Help\nInstall the package\nmore",
        "File Edit View Help\nRun the tests\nmore",
        "Back Forward Reload\n一\nDevice Activation",
        "File Edit View Help\nRead the report\nmore",
        "File Edit View Help",
    ]
    keyframes = [slide(i, i * 10.0, i * 10.0 + 10.0, "", text, "") for i, text in enumerate(ocr)]
    report = {**lecture_report(), "keyframes": keyframes}
    titled = slides(report)
    assert [s.title for s in titled] == [
        "Install the package",
        "Run the tests",
        "Back Forward Reload",
        "Read the report",
        "File Edit View Help",
    ]
    assert titled[0].text_lines == ("File Edit View Help", "more")
    assert "### 2. Run the tests (0:10)" in notes_markdown(report)


def test_a_title_carried_over_slides_in_a_row_stays_their_title() -> None:
    ocr = ["Volcanoes\nMagma rises", "Volcanoes\nLava cools", "Volcanoes\nAsh falls", "Glaciers\nIce"]
    keyframes = [slide(i, i * 10.0, i * 10.0 + 10.0, "", text, "") for i, text in enumerate(ocr)]
    titles = [s.title for s in slides({**lecture_report(), "keyframes": keyframes})]
    assert titles == ["Volcanoes", "Volcanoes", "Volcanoes", "Glaciers"]


def test_a_running_header_on_every_slide_is_no_slide_title() -> None:
    # A deck whose every slide shows the talk's title at the top (and the team at the bottom), read first
    # by OCR; the slides change under it, twice with builds (a bullet added, the title kept). Each slide
    # is titled by its own heading; a misread of the header ("fron") is the same line.
    header, footer = "Keyframes from video", "vidscan team"
    own = [
        "Why keyframes\nA report", "Why keyframes\nA report\nThe frames", "The pipeline\n1. Decode",
        "Code\nimport vidscan", "What is hard\nHalf a second", "What is hard\nHalf a second\nDark",
    ]  # fmt: skip
    ocr = [f"{header if i != 3 else 'Keyframes fron video'}\n{text}\n{footer}" for i, text in enumerate(own)]
    keyframes = [slide(i, i * 10.0, i * 10.0 + 10.0, "", text, "") for i, text in enumerate(ocr)]
    titled = slides({**lecture_report(), "keyframes": keyframes})
    assert [s.title for s in titled] == [
        "Why keyframes", "Why keyframes", "The pipeline", "Code", "What is hard", "What is hard",
    ]  # fmt: skip
    assert titled[2].text_lines == (header, "1. Decode", footer)  # the header stays in the slide's text


def test_one_slide_built_up_keeps_its_title() -> None:
    # Every frame is one slide with a bullet more: nothing is gone between them, so its title, on every
    # frame, is no running header.
    ocr = [
        "Volcanoes\nMagma",
        "Volcanoes\nMagma\nLava",
        "Volcanoes\nMagma\nLava\nAsh",
        "Volcanoes\nMagma\nLava\nAsh\nGas",
    ]
    keyframes = [slide(i, i * 10.0, i * 10.0 + 10.0, "", text, "") for i, text in enumerate(ocr)]
    assert [s.title for s in slides({**lecture_report(), "keyframes": keyframes})] == ["Volcanoes"] * 4


def test_youtube_chapters_follow_youtubes_rules() -> None:
    chapters = [
        {"start": 3.0, "end": 40.0, "title": "Intro"},  # the first chapter must start at 00:00
        {"start": 40.0, "end": 45.0, "title": "Too short"},  # under 10 s: merged into the one before
        {"start": 45.0, "end": 80.0, "title": "Main part"},
        {"start": 85.0, "end": 90.0, "title": "Credits"},  # under 10 s before the end
    ]
    assert youtube_chapters(lecture_report(chapters)) == "00:00 Intro\n00:45 Main part\n"
    long = [
        {"start": 0.0, "end": 3700.0, "title": "Part 1"},
        {"start": 3700.0, "end": 7200.0, "title": "Part 2"},
    ]
    assert youtube_chapters(lecture_report(long, duration=7200.0)) == "0:00:00 Part 1\n1:01:40 Part 2\n"


def test_chapters_vtt() -> None:
    chapters = [
        {"start": 0.0, "end": 30.5, "title": "Rocks --> <i>ice</i>"},
        {"start": 30.5, "end": 90.0, "title": "Ice"},
    ]
    assert VIDEO_OUTPUTS["chapters.vtt"](lecture_report(chapters)) == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:30.500\nRocks --&gt; &lt;i&gt;ice&lt;/i&gt;\n\n"
        "2\n00:00:30.500 --> 00:01:30.000\nIce\n"
    )
    assert vtt_document([(5.0, 5.0, "a\n\nb")]) == "WEBVTT\n\n1\n00:00:05.000 --> 00:00:05.100\na b\n"


# --- security -------------------------------------------------------------------------------------------


def security_report(levels: list[int]) -> dict[str, Any]:
    events = [
        {
            "time": 30.0 - 10 * i,
            "end": 35.0 - 10 * i,
            "description": f"event {i}",
            "keyframes": [i],
            "level": level,
        }
        for i, level in enumerate(levels)
    ]
    return {"video": {"name": "door.mp4", "duration": 60.0}, "keyframes": [], "summary": {"events": events}}


def test_events_in_time_order_and_the_serious_ones_first() -> None:
    report = security_report([1, 0, 2, 1])  # at 30, 20, 10, 0 s
    assert [e["time"] for e in events_timeline(report)] == [0.0, 10.0, 20.0, 30.0]
    assert [(e["level"], e["time"]) for e in look_first(report)] == [(2, 10.0), (1, 0.0), (1, 30.0)]
    text = events_markdown(report)
    look, timeline = text.split("## Timeline")
    assert look.index("event 2") < look.index("event 3") < look.index("event 0") and "event 1" not in look
    assert "- **0:10–0:15** [threat] event 2 (frames #2)" in timeline


def test_events_vtt_plays_alongside_the_video() -> None:
    report = security_report([2])
    report["summary"]["events"].append({"time": 50.0, "description": "no end", "keyframes": [], "level": 0})
    assert events_vtt(report) == (
        "WEBVTT\n\n1\n00:00:30.000 --> 00:00:35.000\n[threat] event 0\n\n"
        "2\n00:00:50.000 --> 00:00:55.000\n[normal] no end\n"
    )


@pytest.mark.parametrize(
    ("levels", "fail_on", "expected"), [([0, 1], 1, True), ([0, 1], 2, False), ([2], 2, True)]
)
def test_fail_on_level(levels: list[int], fail_on: int, expected: bool) -> None:
    assert fails(security_report(levels), fail_on) is expected


def test_a_frames_own_level_counts_for_fail_on() -> None:
    report = security_report([])
    report["keyframes"] = [{"index": 0, "time": 1.0, "level": 2}]
    assert fails(report, 2) and "Nothing unusual" in events_markdown(security_report([0]))


# --- inspection -----------------------------------------------------------------------------------------


def clip(name: str, *verdicts: tuple[str, str, str]) -> dict[str, Any]:
    rows = [
        {
            "check_id": cid,
            "check": f"check {cid}",
            "verdict": v,
            "reason": r,
            "keyframes": [1],
            "times": [12.5, 40.0],
        }
        for cid, v, r in verdicts
    ]
    return {"video": {"name": name}, "verdicts": rows}


BATCH = [
    clip("ok.mp4", ("c1", "pass", "three bottles"), ("c2", "pass", "lid on")),
    clip("bad.mp4", ("c1", "fail", '=HYPERLINK("x") two bottles'), ("c2", "uncertain", "hidden")),
    clip("unsure.mp4", ("c1", "pass", "ok"), ("c2", "uncertain", "blurred")),
    {"video": {"path": "/clips/crashed.mp4"}},
]


def test_a_clips_verdict_is_the_worst_of_its_checks() -> None:
    assert [clip_verdict(r) for r in BATCH] == ["pass", "fail", "uncertain", "uncertain"]
    assert any_fail(BATCH) and not any_fail([BATCH[0], BATCH[2]])


def test_verdicts_csv_and_json() -> None:
    rows = list(csv.DictReader(io.StringIO(BATCH_OUTPUTS["verdicts.csv"](BATCH))))
    assert len(rows) == 6
    assert rows[2] == {
        "clip": "bad.mp4",
        "check_id": "c1",
        "check": "check c1",
        "verdict": "fail",
        "reason": '\'=HYPERLINK("x") two bottles',  # a spreadsheet would run it as a formula
        "evidence_times": "12.50;40.00",
    }
    data = json.loads(verdicts_json(BATCH))
    assert data["clips"][1] == {"clip": "bad.mp4", "verdict": "fail"}
    assert data["clips"][3] == {"clip": "crashed.mp4", "verdict": "uncertain"}
    assert data["rows"][2]["evidence_times"] == [12.5, 40.0] and len(data["rows"]) == 6


def test_one_line_per_clip() -> None:
    assert verdict_table(BATCH).splitlines() == [
        "PASS      ok.mp4       all 2 checks pass",
        "FAIL      bad.mp4      c1 fail at 0:12; c2 uncertain at 0:12",
        "UNCERTAIN unsure.mp4   c2 uncertain at 0:12",
        "UNCERTAIN crashed.mp4  no verdicts (the analysis did not finish)",
    ]
    one_check = [clip("one.mp4", ("c1", "pass", "lid on"))]
    assert verdict_table(one_check) == "PASS      one.mp4  the check passes\n"


def test_every_writer_copes_with_an_empty_report() -> None:
    for name, writer in VIDEO_OUTPUTS.items():
        assert isinstance(writer({}), str), name
    for name, batch_writer in BATCH_OUTPUTS.items():
        assert isinstance(batch_writer([{}]), str), name
