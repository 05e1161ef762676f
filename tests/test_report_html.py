"""report.html and index.html as strings: content, escaping, thumbnails and the CSP (no browser)."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.report_fixtures import XSS_PAYLOADS, build_report, build_xss_report, draw_frame
from vidscan.report.html import (
    format_clock,
    format_seconds,
    render_index_html,
    render_report_html,
    safe_relative_url,
    script_safe_json,
    templates_dir,
    thumbnail_data_uri,
)


class _PageParser(HTMLParser):
    """Collects what the tests look at: elements with their attributes, and script bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]


def parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


def page_data(html: str) -> dict[str, Any]:
    scripts = [body for attrs, body in parse(html).scripts if attrs.get("id") == "report-data"]
    assert len(scripts) == 1
    return json.loads(scripts[0])


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def report(report_dir: Path) -> dict[str, Any]:
    return build_report(report_dir)


def test_format_clock() -> None:
    assert format_clock(0) == "0:00"
    assert format_clock(59.6) == "1:00"
    assert format_clock(754.2) == "12:34"
    assert format_clock(3 * 3600 + 5) == "3:00:05"
    assert format_clock(65, hours=True) == "0:01:05"
    assert format_clock(12.54, precise=True) == "0:12.5"
    assert format_clock(None) == "0:00"
    assert format_clock(float("nan")) == "0:00"
    assert format_clock(-3) == "0:00"


def test_format_seconds() -> None:
    assert format_seconds(42.25) == "42.2 s"
    assert format_seconds(312.4) == "5 min 12 s"
    assert format_seconds(7380) == "2 h 3 min"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("frames/000003_12.500.jpg", "frames/000003_12.500.jpg"),
        ("frames/a b#c.jpg", "frames/a%20b%23c.jpg"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("https://example.com/x.jpg", None),
        ("//example.com/x.jpg", None),
        ("/etc/passwd", None),
        ("../secret.jpg", None),
        ('frames/"><img src=x>.jpg', "frames/%22%3E%3Cimg%20src%3Dx%3E.jpg"),
        ("", None),
        (None, None),
    ],
)
def test_safe_relative_url(path: Any, expected: str | None) -> None:
    assert safe_relative_url(path) == expected


def test_templates_are_found_in_the_repo() -> None:
    assert (templates_dir() / "report.html.j2").is_file()
    assert (templates_dir() / "index.html.j2").is_file()


def test_page_shows_header_facts_and_summary(report: dict[str, Any], report_dir: Path) -> None:
    html = render_report_html(report, report_dir)
    assert '<html lang="en">' in html
    for text in [
        "Morning shift at loading dock 4",
        "warehouse-walkthrough.mp4",
        "0:15:00",
        "1920×1080",
        "29.97 fps",
        "surveillance",
        "qwen2.5vl:7b",
        "qwen2.5:14b",
        "http://localhost:11434",
        "5 min 12 s",
        "2024-08-07 06:12 UTC",
        "Loading the truck",
        "Dispute and departure",
        "A damaged carton is found and argued over.",
    ]:
        assert text in html, text
    assert html.count('class="kf panel"') == 12


def test_partial_run_shows_problems_and_failed_keyframes(report: dict[str, Any], report_dir: Path) -> None:
    html = render_report_html(report, report_dir)
    warning = html[html.index('id="partial-warning"') : html.index("</aside>")]
    assert "1 of 12 captions failed" in warning
    assert "#5 at 5:10" in warning
    assert "vision model timed out after 120 s" in warning


def test_exports_beside_the_page_are_linked(report: dict[str, Any], report_dir: Path) -> None:
    assert 'id="exports"' not in render_report_html(report, report_dir)
    (report_dir / "report.md").write_text("# x\n", "utf-8")
    (report_dir / "captions.vtt").write_text("WEBVTT\n", "utf-8")
    links = [a["href"] for a in parse(render_report_html(report, report_dir)).all("a")]
    assert "report.md" in links and "captions.vtt" in links and "report.json" not in links


def test_complete_run_has_no_warning(report: dict[str, Any], report_dir: Path) -> None:
    report["run"]["status"] = "complete"
    report["run"]["problems"] = []
    assert 'id="partial-warning"' not in render_report_html(report, report_dir)


def test_thumbnails_are_inlined_small_and_full_frames_are_linked(
    report: dict[str, Any], report_dir: Path
) -> None:
    html = render_report_html(report, report_dir)
    thumbs = [src for img in parse(html).all("img") if (src := img.get("src") or "").startswith("data:")]
    assert len(thumbs) == 12
    payload = base64.b64decode(thumbs[0].split(",", 1)[1])
    with Image.open(io.BytesIO(payload)) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= 320
    images = [kf["image"] for kf in page_data(html)["keyframes"]]
    assert images[3] == "frames/000003_160.000.jpg"
    assert "frames/000003_160.000.jpg" not in [img.get("src") for img in parse(html).all("img")]


def test_thumbnail_alt_is_the_caption(report: dict[str, Any], report_dir: Path) -> None:
    html = render_report_html(report, report_dir)
    alts = [img.get("alt") for img in parse(html).all("img") if (img.get("src") or "").startswith("data:")]
    assert alts[0] == "A loading dock at dawn, roller door half open."


def test_missing_or_broken_frames_become_placeholders(report: dict[str, Any], report_dir: Path) -> None:
    (report_dir / report["keyframes"][0]["image"]).unlink()
    (report_dir / report["keyframes"][1]["image"]).write_bytes(b"not a jpeg")
    report["keyframes"][2]["image"] = "../../outside.jpg"
    html = render_report_html(report, report_dir)
    assert html.count('class="placeholder"') == 3
    assert page_data(html)["keyframes"][2]["image"] is None


def test_thumbnail_of_a_tall_frame_fits_320(tmp_path: Path) -> None:
    draw_frame(tmp_path / "tall.jpg", 1, (10, 20, 30), size=(720, 1280))
    uri = thumbnail_data_uri(tmp_path / "tall.jpg")
    assert uri is not None
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as image:
        assert image.size == (180, 320)
    assert thumbnail_data_uri(tmp_path / "missing.jpg") is None


def test_keyframe_cards_show_caption_fields(report: dict[str, Any], report_dir: Path) -> None:
    html = render_report_html(report, report_dir)
    for text in [
        "SKU 88-1203",
        "scanner",
        "duplicate of",
        "PO 7781",
        "It was not, look at this corner.",
        "OCR text",
    ]:
        assert text in html, text
    assert "Transcript" in html


def test_event_levels_become_badges_and_keyframe_levels(report: dict[str, Any], report_dir: Path) -> None:
    html = render_report_html(report, report_dir)
    assert 'class="level level-2">major<' in html
    assert 'class="level level-1">notable<' in html
    levels = {kf["index"]: kf["level"] for kf in page_data(html)["keyframes"]}
    assert levels[7] == 2 and levels[10] == 1 and levels[4] == 0 and levels[2] is None
    assert 'id="level-filter"' in html
    assert "8:00–<time>10:00" in html.replace("</time>", "")  # the event's end is shown


def test_optional_keys_absent_still_render(report_dir: Path) -> None:
    minimal = {
        "schema_version": 1,
        "video": {"path": "/v/a.mp4", "name": "a.mp4", "duration": 10.0},
        "keyframes": [
            {"index": 0, "time": 0.0, "image": "frames/none.jpg", "reason": "start", "segment": [0, 10]},
        ],
        "summary": None,
        "run": {"status": "complete"},
    }
    html = render_report_html(minimal, report_dir)
    assert "No summary" in html
    assert "general" in html  # the default profile
    assert 'id="level-filter"' not in html
    assert page_data(html)["keyframes"][0]["clock"] == "0:00.0"  # tenths for a short video


def test_empty_report_renders(report_dir: Path) -> None:
    html = render_report_html({"video": {}, "keyframes": [], "summary": None, "run": {}}, report_dir)
    assert "No keyframes were extracted" in html


def test_chapters_cite_the_keyframes_inside_them(report: dict[str, Any], report_dir: Path) -> None:
    html = render_report_html(report, report_dir)
    chapters = html[html.index('class="chapters panel"') : html.index('class="events panel"')]
    first = chapters[: chapters.index("Paperwork")]
    assert re.findall(r'data-kf="(\d+)"', first) == ["0", "1", "2", "3"]


def test_the_last_chapter_keeps_the_keyframe_it_ends_on_and_an_instant_event_shows_one_time(
    report: dict[str, Any], report_dir: Path
) -> None:
    # A summary whose last chapter ends at the last keyframe (as the fallback summary writes it), and an
    # event whose end is its start.
    last = report["keyframes"][-1]
    report["summary"]["chapters"][-1]["end"] = last["time"]
    report["summary"]["events"][0]["end"] = report["summary"]["events"][0]["time"]
    html = render_report_html(report, report_dir)
    chapters = html[html.index('class="chapters panel"') : html.index('class="events panel"')]
    final = chapters[chapters.rindex('class="when"') :]
    assert f'data-kf="{last["index"]}"' in final
    events = html[html.index('class="events panel"') :]
    first = events[events.index('class="when"') : events.index("Forklift loads")]
    assert first.count("<time>") == 1 and "–" not in first


def test_verdicts_render_and_filter(report: dict[str, Any], report_dir: Path) -> None:
    report["keyframes"][4]["verdicts"] = {"invoice visible": "pass"}
    report["keyframes"][5]["verdict"] = "Fail"
    html = render_report_html(report, report_dir)
    assert "invoice visible: pass" in html
    assert '<option value="fail">fail</option>' in html
    assert page_data(html)["keyframes"][4]["verdicts"] == ["pass"]


def test_csp_allows_only_the_template_script(report: dict[str, Any], report_dir: Path) -> None:
    html = render_report_html(report, report_dir)
    page = parse(html)
    csp = next(m["content"] for m in page.all("meta") if m.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    inline = [body for attrs, body in page.scripts if not attrs]
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert not page.all("link")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html


def test_untrusted_text_is_escaped(tmp_path: Path) -> None:
    report = build_xss_report(tmp_path)
    html = render_report_html(report, tmp_path)
    page = parse(html)
    assert len(page.scripts) == 2  # the data block and the template's own script, nothing injected
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "<svg onload" not in html and "<iframe" not in html
    assert all(not any(name.startswith("on") for name in attrs) for _, attrs in page.elements)
    hrefs = [a.get("href") or "" for a in page.all("a")]
    assert not [href for href in hrefs if "javascript" in href.lower()]
    # The JSON block holds the payloads verbatim once parsed, but no '<' in its raw text.
    raw = next(body for attrs, body in page.scripts if attrs.get("id") == "report-data")
    assert "<" not in raw and ">" not in raw
    data = json.loads(raw)
    assert data["keyframes"][0]["description"] == XSS_PAYLOADS[0]
    assert data["keyframes"][11]["image"] is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt; title" in html


def test_script_safe_json_round_trips() -> None:
    value = {"text": "</script><!-- & \u2028 'quotes' \"double\""}
    encoded = str(script_safe_json(value))
    assert "</" not in encoded and "<!--" not in encoded and "&" not in encoded
    assert json.loads(encoded) == value


def test_render_does_not_modify_the_report(report: dict[str, Any], report_dir: Path) -> None:
    before = copy.deepcopy(report)
    render_report_html(report, report_dir)
    assert report == before


def index_entries() -> list[dict[str, Any]]:
    return [
        {
            "name": "warehouse.mp4",
            "report": "warehouse/report.html",
            "status": "complete",
            "duration": 900.0,
            "keyframes": 12,
            "events": 4,
            "error": None,
            "thumbnails": ["warehouse/frames/000000_0.000.jpg", "warehouse/frames/000001_42.500.jpg"],
        },
        {
            "name": "long meeting.mkv",
            "report": "long meeting/report.html",
            "status": "partial",
            "duration": 3 * 3600.0 + 4,
            "keyframes": 410,
            "events": 30,
            "error": None,
            "thumbnails": [],
        },
        {
            "name": '<img src=x onerror="window.__xss=1">.mp4',
            "report": None,
            "status": "failed",
            "duration": None,
            "keyframes": 0,
            "events": 0,
            "error": "not a video: <script>alert(1)</script>",
            "thumbnails": ["javascript:alert(1)"],
        },
    ]


def test_index_lists_each_video(tmp_path: Path) -> None:
    draw_frame(tmp_path / "warehouse/frames/000000_0.000.jpg", 0, (40, 80, 120))
    draw_frame(tmp_path / "warehouse/frames/000001_42.500.jpg", 1, (40, 80, 120))
    html = render_index_html(index_entries(), tmp_path)
    page = parse(html)
    hrefs = [a.get("href") for a in page.all("a")]
    assert hrefs == ["warehouse/report.html", "long%20meeting/report.html"]
    assert [img.get("src") for img in page.all("img")] == [
        "warehouse/frames/000000_0.000.jpg",
        "warehouse/frames/000001_42.500.jpg",
    ]
    assert "3:00:04" in html and "15:00" in html
    assert 'class="status status-failed"' in html and 'class="status status-partial"' in html
    assert "1 complete · 1 partial · 1 failed" in html
    assert not page.scripts
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "not a video: &lt;script&gt;" in html


def test_index_leaves_out_missing_thumbnails(tmp_path: Path) -> None:
    draw_frame(tmp_path / "warehouse/frames/000001_42.500.jpg", 1, (40, 80, 120))
    html = render_index_html(index_entries(), tmp_path)
    assert [img.get("src") for img in parse(html).all("img")] == ["warehouse/frames/000001_42.500.jpg"]


def test_index_shows_other_statuses_as_they_are(tmp_path: Path) -> None:
    entries = index_entries()
    entries[2]["status"] = "interrupted"
    html = render_index_html(entries, tmp_path)
    assert '<span class="status status-failed">interrupted</span>' in html
    assert "1 complete · 1 partial · 0 failed · 1 interrupted" in html
