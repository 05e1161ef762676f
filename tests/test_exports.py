"""The exports beside report.html: report.md and captions.vtt, from the report dict and through the CLI."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_VIDEOS, run_cli
from tests.fake_ollama import FakeOllama
from tests.report_fixtures import DURATION, XSS_PAYLOADS, build_report, build_xss_report
from vidscan.outputs.vtt import vtt_time
from vidscan.report.markdown import fenced, render_report_markdown
from vidscan.report.vtt import plain_cue_text, render_captions_vtt

# --- a strict WebVTT parser (the file format of https://www.w3.org/TR/webvtt1/) ----------------------------

_TIMESTAMP = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIMESTAMP} --> {_TIMESTAMP}((?: [^\s:]+:[^\s]+)*)$")


@dataclass(frozen=True)
class ParsedCue:
    identifier: str | None
    start: float
    end: float
    settings: str
    text: str


def _seconds(hours: str, minutes: str, seconds: str, millis: str) -> float:
    return (((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)) / 1000


def parse_vtt(text: str) -> list[ParsedCue]:
    """Every cue, or an AssertionError naming the first thing a WebVTT parser would reject or misread."""
    assert text.startswith("WEBVTT") and text[6:7] in ("", "\n", " ", "\t"), text[:20]
    assert "\r" not in text and "\x00" not in text
    blocks = text.rstrip("\n").split("\n\n")
    assert not blocks[0].count("\n"), "the header block has only the WEBVTT line"
    cues: list[ParsedCue] = []
    for block in blocks[1:]:
        lines = block.split("\n")
        assert all(lines), f"blank line inside a block: {block!r}"
        if lines[0] == "NOTE" or lines[0].startswith(("NOTE ", "NOTE\t")):
            assert "-->" not in block
            continue
        identifier = None
        if "-->" not in lines[0]:
            identifier = lines.pop(0)
        match = _TIMING.match(lines[0])
        assert match, f"bad timing line {lines[0]!r}"
        start, end = _seconds(*match.groups()[0:4]), _seconds(*match.groups()[4:8])
        assert end > start, f"cue ends at or before its start: {lines[0]}"
        assert cues == [] or start >= cues[-1].start, "cues must be in order of their start times"
        body = lines[1:]
        assert body, f"cue without text: {block!r}"
        for line in body:
            assert "-->" not in line and "<" not in line, line
            assert not re.search(r"&(?!amp;|lt;|gt;)", line), f"bare & in {line!r}"
        cues.append(ParsedCue(identifier, start, end, match.group(9).strip(), "\n".join(body)))
    return cues


def unescape_cue(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.fixture
def report(tmp_path: Path) -> dict[str, Any]:
    return build_report(tmp_path, draw_frames=False)


def keyframe_cues(cues: list[ParsedCue]) -> list[ParsedCue]:
    return [cue for cue in cues if (cue.identifier or "").startswith("keyframe-")]


# --- captions.vtt ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "00:00:00.000"),
        (0.64, "00:00:00.640"),
        (4.56, "00:00:04.560"),
        (59.9994, "00:00:59.999"),
        (3661.5, "01:01:01.500"),
        (7200, "02:00:00.000"),
        (360_000, "100:00:00.000"),
        (-5, "00:00:00.000"),
    ],
)
def test_vtt_timestamps(seconds: float, expected: str) -> None:
    assert vtt_time(seconds) == expected


def test_each_keyframe_is_a_cue_until_the_next_and_the_last_until_the_end(report: dict[str, Any]) -> None:
    cues = keyframe_cues(parse_vtt(render_captions_vtt(report)))
    rows = report["keyframes"]
    # Keyframe 3 repeats keyframe 2's description (one cue for both); keyframe 5 has no caption (no cue).
    expected = [
        (0, 0.0, 42.5),
        (1, 42.5, 95.0),
        (2, 95.0, 230.0),
        (4, 230.0, 310.0),
        (6, 402.0, 480.0),
        (7, 480.0, 560.0),
        (8, 560.0, 640.0),
        (9, 640.0, 754.2),
        (10, 754.2, 860.0),
        (11, 860.0, DURATION),
    ]
    assert [(c.identifier, c.start, c.end) for c in cues] == [(f"keyframe-{i}", s, e) for i, s, e in expected]
    for cue, (index, _, _) in zip(cues, expected, strict=True):
        assert cue.text == rows[index]["caption"]["description"]
        assert cue.settings == ""


def test_cues_are_in_time_order_whatever_the_keyframe_order(report: dict[str, Any]) -> None:
    shuffled = copy.deepcopy(report)
    shuffled["keyframes"].reverse()
    shuffled["summary"]["events"].reverse()
    assert render_captions_vtt(shuffled) == render_captions_vtt(report)


def test_untrusted_text_cannot_break_out_of_its_cue(tmp_path: Path) -> None:
    report = build_xss_report(tmp_path)
    tricky = (
        "first line\n\n\nsecond --> line\r\nthird\x00\x1b <c.red>x</c> &amp; 00:00:01.000 --> 00:00:02.000"
    )
    report["keyframes"][0]["caption"]["description"] = tricky
    report["keyframes"][1]["caption"]["description"] = "WEBVTT\n\nNOTE\n\n1\n00:00:00.000 --> 00:09:00.000"
    cues = parse_vtt(render_captions_vtt(report))
    first = next(cue for cue in cues if cue.identifier == "keyframe-0")
    assert unescape_cue(first.text) == (
        "first line second --> line third <c.red>x</c> &amp; 00:00:01.000 --> 00:00:02.000"
    )
    assert len(keyframe_cues(cues)) == 11  # nothing added, nothing swallowed (one failed caption)
    assert unescape_cue(cues[1].text).startswith("WEBVTT NOTE 1 00:00:00.000")
    texts = {unescape_cue(cue.text) for cue in cues}
    assert XSS_PAYLOADS[0] in texts and XSS_PAYLOADS[3] in texts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a --> b", "a --&gt; b"),
        ("  spaced   out  ", "spaced out"),
        ("x\n \n\ny", "x y"),
        ("nul\x00 and escape\x1b[31m", "nul and escape[31m"),
        (None, ""),
    ],
)
def test_cue_text(value: Any, expected: str) -> None:
    assert plain_cue_text(value) == expected


def test_events_are_cues_at_the_top_with_level_and_end(report: dict[str, Any]) -> None:
    report["summary"]["events"].append(
        {
            "time": 100.0,
            "end": 130.0,
            "description": "Intruder at the gate.",
            "keyframes": [2],
            "level": "alert",
        }
    )
    events = [cue for cue in parse_vtt(render_captions_vtt(report)) if cue.settings]
    assert [(cue.start, cue.end, cue.text) for cue in events] == [
        (95.0, 99.0, "Forklift loads two pallets at once."),  # no end and no level: a few seconds
        (100.0, 130.0, "[alert] Intruder at the gate."),  # a profile's own level word
        (230.0, 234.0, "[minor] Invoice #4411 is reviewed."),
        (480.0, 600.0, "[major] A damaged carton is found and argued over."),  # its own end
        (754.2, 758.2, "[notable] The invoice is marked paid."),
    ]
    assert {cue.settings for cue in events} == {"line:0"}


def test_short_events_end_before_the_next_one_and_never_before_they_start(report: dict[str, Any]) -> None:
    report["video"]["duration"] = 10.0
    report["keyframes"] = report["keyframes"][:2]
    report["keyframes"][1]["time"] = 5.0
    report["summary"]["events"] = [
        {"time": 1.0, "description": "one", "keyframes": [0]},
        {"time": 2.5, "description": "two", "keyframes": [0], "end": 2.0},  # an end before its start
        {"time": 9.0, "description": "three", "keyframes": [1]},
        {"time": 12.0, "description": "after the end", "keyframes": [1]},
    ]
    events = [(c.start, c.end, c.text) for c in parse_vtt(render_captions_vtt(report)) if c.settings]
    assert events == [
        (1.0, 2.5, "one"),
        (2.5, 6.5, "two"),
        (9.0, 10.0, "three"),
        (12.0, 16.0, "after the end"),
    ]


def test_keyframes_at_the_same_time_or_at_the_end_still_make_valid_cues(report: dict[str, Any]) -> None:
    report["video"]["duration"] = 0  # a probe that gave no duration: segment ends stand in
    kfs = report["keyframes"]
    kfs[1]["time"] = kfs[0]["time"] + 0.0002  # the same millisecond
    kfs[-1]["segment"] = [kfs[-1]["time"], kfs[-1]["time"]]  # the last keyframe is the video's end
    cues = keyframe_cues(parse_vtt(render_captions_vtt(report)))
    assert cues[0].text == f"{kfs[0]['caption']['description']}\n{kfs[1]['caption']['description']}"
    assert cues[0].end == 95.0
    assert cues[-1].start == 860.0 and cues[-1].end > cues[-1].start


def test_no_summary_and_failed_captions_give_an_empty_but_valid_file(report: dict[str, Any]) -> None:
    report["summary"] = None
    for kf in report["keyframes"]:
        kf["caption"], kf["error"] = None, "server not reachable"
    assert parse_vtt(render_captions_vtt(report)) == []
    assert parse_vtt(render_captions_vtt({})) == []


# --- report.md ------------------------------------------------------------------------------------------


def outside_code_blocks(markdown: str) -> str:
    return re.sub(r"^(`{3,})text\n.*?^\1$", "", markdown, flags=re.DOTALL | re.MULTILINE)


def test_markdown_has_title_overview_facts_chapters_events_and_keyframes(report: dict[str, Any]) -> None:
    md = render_report_markdown(report)
    assert md.startswith("# Morning shift at loading dock 4\n\n- **Video:** warehouse-walkthrough.mp4\n")
    assert "- **Duration:** 0:15:00\n" in md and "- **Resolution:** 1920×1080\n" in md
    assert report["summary"]["overview"] in md
    assert "> - Keyframe 5 at 0:05:10: vision model timed out after 120 s" in md  # partial run
    assert "- **0:03:20–0:08:40** Paperwork — The invoice is checked.\n" in md
    assert (
        "- **0:08:00–0:10:00** (major) A damaged carton is found and argued over. — frames: "
        "[#7](frames/000007_480.000.jpg), [#8](frames/000008_560.000.jpg)\n"
    ) in md
    headings = re.findall(r"^### (\S+) · keyframe (\d+) · (.+)$", md, flags=re.MULTILINE)
    assert [(clock, int(i)) for clock, i, _ in headings] == [
        ("0:00:00", 0),
        ("0:00:42", 1),
        ("0:01:35", 2),
        ("0:02:40", 3),
        ("0:03:50", 4),
        ("0:05:10", 5),
        ("0:06:42", 6),
        ("0:08:00", 7),
        ("0:09:20", 8),
        ("0:10:40", 9),
        ("0:12:34", 10),
        ("0:14:20", 11),
    ]
    assert "![Keyframe 4 at 0:03:50](frames/000004_230.000.jpg)" in md
    assert "Visible text:\n\n```text\nINVOICE #4411\nTotal: 1,240\n```\n" in md
    assert "- Same view as keyframe 2; its caption is reused." in md
    assert "*No caption:* vision model timed out after 120 s" in md
    assert "> *Transcript:* You said it was packed properly." in md


def test_markdown_sections_are_in_time_order(report: dict[str, Any]) -> None:
    shuffled = copy.deepcopy(report)
    for key in ("chapters", "events"):
        shuffled["summary"][key].reverse()
    shuffled["keyframes"].reverse()
    assert render_report_markdown(shuffled) == render_report_markdown(report)


def test_markdown_for_a_short_video_shows_tenths(report: dict[str, Any]) -> None:
    report["video"]["duration"] = 10.0
    report["keyframes"] = report["keyframes"][:1]
    report["keyframes"][0]["time"] = 2.2
    report["summary"]["events"] = [{"time": 2.2, "description": "x", "keyframes": [0]}]
    md = render_report_markdown(report)
    assert "### 0:00:02.2 · keyframe 0 · start" in md and "- **0:00:02.2** x — frames: [#0]" in md


def test_markdown_without_summary_or_captions(report: dict[str, Any]) -> None:
    report["summary"] = None
    for kf in report["keyframes"]:
        kf["caption"], kf["error"] = None, "server not reachable"
    md = render_report_markdown(report)
    assert md.startswith("# warehouse-walkthrough.mp4\n")
    assert "*No summary was written for this run.*" in md
    assert "## Chapters" not in md and "## Events" not in md
    assert md.count("*No caption:* server not reachable") == 12
    assert render_report_markdown({}).startswith("# video\n")


def test_markdown_keeps_untrusted_text_as_text(tmp_path: Path) -> None:
    report = build_xss_report(tmp_path)
    report["summary"]["overview"] = (
        "- not a list\n\n1. not a list either\n\n# not a heading [x](javascript:y)"
    )
    report["keyframes"][4]["caption"]["visible_text"] = "```\n# inside ``` a fence\n````"
    md = render_report_markdown(report)
    prose = outside_code_blocks(md).replace("\n> ", "\n").replace("\n>\n", "\n")
    assert not re.search(r"(?<!\\)[<>]", prose)  # no raw HTML anywhere
    # The only links are ours: frames beside the report (keyframe 11's javascript: image is not linked).
    links = set(re.findall(r"(?<!\\)\]\(([^)]*)\)", md))
    assert links and links <= {kf["image"] for kf in report["keyframes"]} - {"javascript:window.__xss=7"}
    assert "\n\\- not a list\n" in md and "\n\\# not a heading \\[x\\](javascript:y)\n" in md
    assert "\n1. not a list" not in md
    assert "\n`````text\n```\n# inside ``` a fence\n````\n`````\n" in md
    assert "### 0:14:20 · keyframe 11 · \\<svg onload=window.\\_\\_xss=3\\>" in md


def test_fences_are_longer_than_any_backtick_run() -> None:
    assert fenced("a\nb") == ["```text", "a", "b", "```"]
    assert fenced("x ```` y")[0] == "`````text"


# --- through the CLI ------------------------------------------------------------------------------------


def test_analyze_writes_report_md_and_captions_vtt(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    result = run_cli(
        "analyze", str(SAMPLE_VIDEOS / "bikes.mp4"), "--out", str(tmp_path), "--host", fake_ollama.url
    )
    assert result.code == 0, result.stderr
    report_dir = tmp_path / "bikes"
    assert sorted(p.name for p in report_dir.iterdir()) == [
        "captions.vtt",
        "frames",
        "report.html",
        "report.json",
        "report.md",
    ]
    data = json.loads((report_dir / "report.json").read_text("utf-8"))
    keyframes = data["keyframes"]
    assert len(keyframes) >= 3
    md = (report_dir / "report.md").read_text("utf-8")
    vtt = (report_dir / "captions.vtt").read_text("utf-8")
    cues = keyframe_cues(parse_vtt(vtt))
    for kf in keyframes:
        description = kf["caption"]["description"]
        assert f"· keyframe {kf['index']} ·" in md and f"]({kf['image']})" in md
        assert description in md
        assert (report_dir / kf["image"]).is_file()
        cue = next(cue for cue in cues if cue.start == pytest.approx(kf["time"], abs=0.0005))
        assert cue.text == description
    assert cues[-1].end == data["video"]["duration"]
    # ffmpeg's own WebVTT demuxer reads every cue (it drops exact duplicates: the fake's events repeat
    # the keyframe descriptions).
    remuxed = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(report_dir / "captions.vtt"), "-f", "webvtt", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert remuxed.count(" --> ") == len({(cue.start, cue.end, cue.text) for cue in parse_vtt(vtt)})
    html = (report_dir / "report.html").read_text("utf-8")
    assert all(f'href="{name}"' in html for name in ("report.md", "captions.vtt", "report.json"))
