"""Render report.json into one self-contained report.html (and a batch index.html) with jinja2.

Everything a model, OCR, a transcript or a file name produced is untrusted text: it reaches the page only
through jinja2's autoescaping or inside the escaped JSON block, never as markup or as a URL with a scheme.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup

if TYPE_CHECKING:  # jinja2 and Pillow load when a page is rendered: the clock formats below need neither
    import jinja2

THUMBNAIL_MAX_SIDE = 320
THUMBNAIL_QUALITY = 70
# Event levels 0/1/2, from least to most important.
LEVEL_NAMES = {0: "minor", 1: "notable", 2: "major"}
# Files written beside report.html from the same data, linked from its header.
EXPORT_FILES = ("report.md", "captions.vtt", "report.json")
# Keyframes are shown with tenths of a second when the whole video is this short.
PRECISE_TIMES_BELOW_SECONDS = 120.0

_SCRIPT_BLOCK = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def render_report_html(report: dict, report_dir: Path) -> str:
    """The report page for one video; thumbnails are read from the frame JPEGs under report_dir."""
    keyframes = sorted(report.get("keyframes") or [], key=lambda kf: _number(kf.get("time")))
    thumbnails = _thumbnails_for(keyframes, Path(report_dir))
    context = _report_context(report, keyframes, thumbnails)
    # Only files already beside the page are linked, so a link is never broken.
    context["exports"] = [name for name in EXPORT_FILES if (Path(report_dir) / name).is_file()]
    return _render("report.html.j2", context)


def render_index_html(entries: list[dict], out_dir: Path) -> str:
    """The batch index: one row per video with links to its report and thumbnails (not inlined)."""
    rows = [_index_row(entry, Path(out_dir)) for entry in entries]
    statuses = [*_STATUSES, *sorted({row["status"] for row in rows} - set(_STATUSES))]
    counts = [(status, sum(1 for row in rows if row["status"] == status)) for status in statuses]
    return _render(
        "index.html.j2", {"rows": rows, "counts": [(s, n) for s, n in counts if n or s in _STATUSES]}
    )


# --- templates ------------------------------------------------------------------------------------------


def templates_dir() -> Path:
    """The installed wheel ships templates inside the package; a source checkout has them at the root."""
    packaged = Path(__file__).resolve().parents[1] / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _render(template_name: str, context: Mapping[str, Any]) -> str:
    html = _environment().get_template(template_name).render(**context)
    return _with_script_hashes(html)


def _with_script_hashes(html: str) -> str:
    """Allow exactly the template's own inline scripts: their sha256 replaces the CSP placeholder.

    A hash instead of 'unsafe-inline' means that even if untrusted text ever slipped through as markup,
    an injected <script> or onerror= handler would still not run.
    """
    hashes = []
    for match in _SCRIPT_BLOCK.finditer(html):
        digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    sources = " ".join(hashes) or "'none'"
    return html.replace("script-src 'none'", f"script-src {sources}", 1)


# --- formatting -----------------------------------------------------------------------------------------


def format_clock(seconds: Any, precise: bool = False, hours: bool = False) -> str:
    """m:ss below an hour (or always h:mm:ss with hours=True); precise adds tenths of a second."""
    value = max(_number(seconds), 0.0)
    tenths = round(value * 10) if precise else round(value) * 10
    whole, tenth = divmod(int(tenths), 10)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h or hours else f"{m}:{s:02d}"
    return f"{text}.{tenth}" if precise else text


def timeline_spans(report: Mapping[str, Any], key: str) -> list[tuple[float, float]]:
    """The (start, end) stretches of the report's timeline under `key` ("blank", "gaps"), as numbers;
    entries that are not pairs are left out."""
    spans = (report.get("timeline") or {}).get(key) or []
    return [(_number(s[0]), _number(s[1])) for s in spans if isinstance(s, (list, tuple)) and len(s) == 2]


def blank_note(report: Mapping[str, Any], precise: bool) -> str:
    """The sentence that says which stretches showed nothing (timeline.blank), or ""."""
    stretches = timeline_spans(report, "blank")
    if not stretches:
        return ""
    spans = ", ".join(f"{format_clock(a, precise)}–{format_clock(b, precise)}" for a, b in stretches)
    why = "black, blank, one colour, or one line of words on an empty screen"
    return f"Nothing to see at {spans} ({why}): no keyframe stands for it."


def gap_note(report: Mapping[str, Any], precise: bool) -> str:
    """The sentence that says which stretches were not recorded (timeline.gaps), or ""."""
    gaps = timeline_spans(report, "gaps")
    if not gaps:
        return ""
    spans = ", ".join(
        f"{format_clock(a, precise)}–{format_clock(b, precise)} ({format_clock(b - a)})" for a, b in gaps
    )
    why = "a recorder that records on motion only, or lost the camera for a while"
    return f"Not recorded at {spans}: the file has no pictures there ({why}); no keyframe stands for it."


def format_seconds(seconds: Any) -> str:
    """A run time: '42.3 s', '12 min 5 s' or '2 h 3 min'."""
    value = max(_number(seconds), 0.0)
    if value < 60:
        return f"{value:.1f} s"
    minutes, secs = divmod(round(value), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _number(value: Any, default: float = 0.0) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return default
    return result if math.isfinite(result) else default


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    """Untrusted model output as a plain string (lists joined), '' when absent."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (list, tuple)):
        return "\n".join(
            _text(item.get("text") if isinstance(item, dict) else item) for item in value
        ).strip()
    return str(value)


def safe_relative_url(path: Any) -> str | None:
    """A link to a file beside the report, or None for anything that could leave it (schemes, /, ..)."""
    if not isinstance(path, str) or not path.strip():
        return None
    path = path.strip().replace("\\", "/")
    if _SCHEME.match(path) or path.startswith("/") or ".." in path.split("/"):
        return None
    return quote(path, safe="/")


# --- thumbnails -----------------------------------------------------------------------------------------


def thumbnail_data_uri(image_path: Path) -> str | None:
    """A small JPEG of the frame as a data: URI, or None when the file is missing or not an image."""
    from PIL import Image

    try:
        with Image.open(image_path) as image:
            scale = min(1.0, THUMBNAIL_MAX_SIDE / max(image.size))
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            # draft() makes libjpeg decode at 1/2, 1/4 or 1/8 scale (never below `size`): 4-5x faster.
            image.draft("RGB", size)
            small = image.convert("RGB")
            if small.size != size:
                small = small.resize(size, Image.Resampling.BICUBIC)
            buffer = io.BytesIO()
            small.save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _frame_file(report_dir: Path, image: Any) -> Path | None:
    """The frame's file, only if it really lies under the report directory."""
    if not isinstance(image, str) or not image or _SCHEME.match(image):
        return None
    root = report_dir.resolve()
    candidate = (root / image).resolve()
    return candidate if candidate.is_relative_to(root) else None


def _thumbnails_for(keyframes: Sequence[dict], report_dir: Path) -> list[str | None]:
    files = [_frame_file(report_dir, kf.get("image")) for kf in keyframes]
    # Keyframes that share a frame file share its thumbnail: each file is encoded once.
    unique = [path for path in dict.fromkeys(files) if path is not None]
    if len(unique) < 8:
        encoded = [thumbnail_data_uri(path) for path in unique]
    else:
        # Pillow releases the GIL while decoding, so threads speed up reports with hundreds of frames.
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
            encoded = list(pool.map(thumbnail_data_uri, unique))
    by_file = dict(zip(unique, encoded, strict=True))
    return [by_file[path] if path is not None else None for path in files]


# --- the report page ------------------------------------------------------------------------------------


def _report_context(report: dict, keyframes: list[dict], thumbnails: list[str | None]) -> dict[str, Any]:
    video = report.get("video") or {}
    run = report.get("run") or {}
    duration = _video_duration(video, keyframes)
    precise = duration < PRECISE_TIMES_BELOW_SECONDS
    summary = report.get("summary")
    cards = [_keyframe_card(kf, thumb, precise) for kf, thumb in zip(keyframes, thumbnails, strict=True)]
    levels_by_index = _event_levels_by_keyframe(summary)
    for card in cards:
        own_level = card.pop("own_level")
        card["level"] = own_level if own_level is not None else levels_by_index.get(card["index"])
    chapters = _chapter_views(summary, cards, precise)
    events = _event_views(summary, cards, precise)
    video_name = _text(video.get("name")) or Path(_text(video.get("path")) or "video").name
    return {
        "video_name": video_name,
        "video_path": _text(video.get("path")),
        "facts": _header_facts(video, run, duration, len(cards), timeline_spans(report, "gaps")),
        "started": _started_text(run.get("started")),
        "schema_version": _int_or_none(report.get("schema_version")),
        "partial": run.get("status") == "partial",
        "problems": [_text(problem) for problem in run.get("problems") or []],
        "failed_cards": [card for card in cards if card["error"]],
        "blank_note": blank_note(report, precise),
        "gap_note": gap_note(report, precise),
        "has_gaps": bool(timeline_spans(report, "gaps")),
        "has_summary": isinstance(summary, dict),
        "title": _text(summary.get("title")) if isinstance(summary, dict) else "",
        "overview": _text(summary.get("overview")) if isinstance(summary, dict) else "",
        "chapters": chapters,
        "events": events,
        "cards": cards,
        "levels": sorted({card["level"] for card in cards if card["level"] is not None}),
        "verdicts": sorted({v for card in cards for v in card["verdict_values"]}),
        "level_names": LEVEL_NAMES,
        "page_data": _page_data_json(report, cards, chapters, events, duration, precise),
    }


def _header_facts(
    video: Mapping[str, Any],
    run: Mapping[str, Any],
    duration: float,
    keyframes: int,
    gaps: Sequence[tuple[float, float]] = (),
) -> list[tuple[str, str]]:
    """(label, value) pairs for the header's fact sheet; missing values are left out. `gaps`: the
    timeline's stretches not recorded."""
    width, height = _int_or_none(video.get("width")), _int_or_none(video.get("height"))
    fps = _number(video.get("fps"))
    rotation = _int_or_none(video.get("rotation"))
    facts = [
        (
            "Duration",
            format_clock(duration, hours=True)
            + _claimed_text(run.get("claimed_duration"))
            + _gaps_text(gaps),
        ),
        ("Resolution", f"{width}\u00d7{height}" if width and height else ""),
        ("Frame rate", f"{fps:.2f}".rstrip("0").rstrip(".") + " fps" if fps > 0 else ""),
        ("Codec", _text(video.get("codec")) + (", interlaced" if video.get("interlaced") else "")),
        ("Rotation", f"{rotation}\u00b0" if rotation else ""),
        ("Audio", _yes_no(video.get("has_audio"))),
        ("Profile", _text(run.get("profile")) or "general"),
        ("Vision model", _text(run.get("vlm"))),
        ("Text model", _text(run.get("llm"))),
        ("Model host", _text(run.get("host"))),
        ("Run time", format_seconds(run.get("seconds")) if run.get("seconds") is not None else ""),
        ("Model calls", _count_text(run.get("model_calls"))),
        ("Cache hits", _count_text(run.get("cache_hits"))),
        ("Keyframes", str(keyframes)),
        ("Strategy", _text(run.get("keyframe_strategy"))),
        ("Frames decoded", _count_text(run.get("frames_decoded"))),
        ("Decode", _decode_text(run)),
        ("Recorder's clock", _clock_text(run.get("clock_band"))),
    ]
    return [(label, value) for label, value in facts if value]


def _claimed_text(claimed: Any) -> str:
    """After the duration analysed, what a file cut short claims (see KeyframeSelection)."""
    if claimed is None or _number(claimed) <= 0:
        return ""
    return f" (the file claims {format_clock(claimed, hours=True)}: cut short)"


def _gaps_text(gaps: Sequence[tuple[float, float]]) -> str:
    """After the duration, how much of it the recording has no pictures for (timeline.gaps)."""
    missing = sum(max(b - a, 0.0) for a, b in gaps)
    return f" ({format_clock(missing, hours=True)} of it not recorded)" if missing > 0 else ""


def _decode_text(run: Mapping[str, Any]) -> str:
    """How the video was decoded: every frame, or I-frames first with the keyframe interval found."""
    mode = _text(run.get("decode_mode"))
    if mode != "iframes-first":
        return "every frame" if mode == "full" else mode
    interval, longest = run.get("iframe_interval"), run.get("iframe_interval_longest")
    if not isinstance(interval, (int, float)) or not interval:
        return "I-frames first (fewer than two I-frames found)"
    text = f"I-frames first, an I-frame every {interval:.2f} s"
    if isinstance(longest, (int, float)) and longest > interval * 1.05:
        text += f" (longest gap {longest:.2f} s)"
    return text


def _clock_text(band: Any) -> str:
    """Where a recorder's clock was found, and what that means for the motion keyframes."""
    if not isinstance(band, (list, tuple)) or len(band) != 2:
        return ""
    top, bottom = (_number(v) for v in band)
    return f"found {top:.0%}\u2013{bottom:.0%} down the picture: left out of the motion tests"


def level_label(level: Any) -> str:
    """'major' for level 2, a profile's own word (e.g. "alert") as it is, '' when there is none."""
    number = _int_or_none(level)
    if number is not None:
        return LEVEL_NAMES.get(number, str(number))
    return " ".join(_text(level).split())


def _yes_no(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else ""


def _count_text(value: Any) -> str:
    count = _int_or_none(value)
    return f"{count:,}" if count is not None else ""


def _started_text(value: Any) -> str:
    """'2024-05-01 14:03 UTC' from an ISO time; the raw text when it does not parse."""
    text = _text(value)
    try:
        started = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    zone = started.strftime("%Z") if started.tzinfo else ""
    return f"{started:%Y-%m-%d %H:%M} {zone}".strip()


def _video_duration(video: Mapping[str, Any], keyframes: Sequence[dict]) -> float:
    """The video's duration, or the last keyframe's segment end when the probe gave none."""
    duration = _number(video.get("duration"))
    if duration > 0:
        return duration
    ends = [_number((kf.get("segment") or [0, 0])[-1]) for kf in keyframes] + [
        _number(kf.get("time")) for kf in keyframes
    ]
    return max(ends, default=0.0)


def _keyframe_card(kf: dict, thumbnail: str | None, precise: bool) -> dict[str, Any]:
    caption = kf.get("caption") if isinstance(kf.get("caption"), dict) else None
    index = _int_or_none(kf.get("index"))
    verdicts = _verdict_labels(kf)
    card: dict[str, Any] = {
        "index": index if index is not None else -1,
        "time": _number(kf.get("time")),
        "clock": format_clock(kf.get("time"), precise=precise),
        "reason": _text(kf.get("reason")),
        "segment": [format_clock(t, precise=precise) for t in (kf.get("segment") or [])[:2]],
        "duplicate_of": _int_or_none(kf.get("duplicate_of")),
        "description": _text(caption.get("description")) if caption else "",
        "visible_text": _text(caption.get("visible_text")) if caption else "",
        "objects": [_text(obj) for obj in (caption.get("objects") or [])] if caption else [],
        "ocr_text": _text(kf.get("ocr_text")),
        "transcript": _text(kf.get("transcript")),
        "error": _text(kf.get("error")),
        "thumbnail": thumbnail,
        "image_url": safe_relative_url(kf.get("image")),
        "own_level": _int_or_none(kf.get("level")),
        "verdicts": [label for label, _ in verdicts],
        "verdict_values": sorted({value for _, value in verdicts}),
    }
    return card


def _verdict_labels(kf: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, verdict) pairs from an optional `verdict` string or `verdicts` (dict or list of dicts)."""
    pairs: list[tuple[str, str]] = []
    if kf.get("verdict"):
        pairs.append((_text(kf["verdict"]), _text(kf["verdict"]).lower()))
    verdicts = kf.get("verdicts")
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(verdicts, dict):
        items = verdicts.items()
    elif isinstance(verdicts, list):
        items = (
            (item.get("check") or item.get("name") or "", item.get("verdict"))
            for item in verdicts
            if isinstance(item, dict)
        )
    for check, verdict in items:
        if verdict:
            label = f"{_text(check)}: {_text(verdict)}" if check else _text(verdict)
            pairs.append((label, _text(verdict).lower()))
    return pairs


def _event_levels_by_keyframe(summary: Any) -> dict[int, int]:
    """A keyframe's level is the highest level of the events that cite it."""
    levels: dict[int, int] = {}
    for event in _summary_list(summary, "events"):
        level = _int_or_none(event.get("level"))
        if level is None:
            continue
        for index in event.get("keyframes") or []:
            key = _int_or_none(index)
            if key is not None:
                levels[key] = max(level, levels.get(key, level))
    return levels


def _summary_list(summary: Any, key: str) -> list[dict]:
    if not isinstance(summary, dict):
        return []
    return [item for item in summary.get(key) or [] if isinstance(item, dict)]


def _evidence(indices: Iterable[int], cards_by_index: Mapping[int, dict]) -> list[dict[str, Any]]:
    return [
        {"index": i, "clock": cards_by_index[i]["clock"], "description": cards_by_index[i]["description"]}
        for i in indices
        if i in cards_by_index
    ]


def _chapter_views(summary: Any, cards: Sequence[dict], precise: bool) -> list[dict[str, Any]]:
    """Chapters cite no keyframes in report.json, so their evidence is the keyframes inside them."""
    cards_by_index = {card["index"]: card for card in cards}
    views = []
    chapters = _summary_list(summary, "chapters")
    for number, chapter in enumerate(chapters, start=1):
        start, end = _number(chapter.get("start")), _number(chapter.get("end"))
        # The last chapter ends at the last keyframe when the summary says so: that keyframe is in it.
        last = number == len(chapters)
        inside = [c["index"] for c in cards if start <= c["time"] < end or (c["time"] == end and last)]
        views.append(
            {
                "start": start,
                "end": end,
                "start_clock": format_clock(start, precise=precise),
                "end_clock": format_clock(end, precise=precise),
                "title": _text(chapter.get("title")),
                "summary": _text(chapter.get("summary")),
                "evidence": _evidence(inside, cards_by_index),
            }
        )
    return views


def _event_views(summary: Any, cards: Sequence[dict], precise: bool) -> list[dict[str, Any]]:
    cards_by_index = {card["index"]: card for card in cards}
    views = []
    for event in _summary_list(summary, "events"):
        cited = [i for i in (_int_or_none(k) for k in event.get("keyframes") or []) if i is not None]
        end = event.get("end")
        clock = format_clock(event.get("time"), precise=precise)
        end_clock = format_clock(end, precise=precise) if end is not None else None
        views.append(
            {
                "time": _number(event.get("time")),
                "end": _number(end) if end is not None else None,
                "clock": clock,
                "end_clock": end_clock if end_clock != clock else None,  # 0:03, not 0:03–0:03
                "description": _text(event.get("description")),
                "level": _int_or_none(event.get("level")),
                "evidence": _evidence(cited, cards_by_index),
            }
        )
    return views


def _page_data_json(
    report: Mapping[str, Any],
    cards: Sequence[dict],
    chapters: Sequence[dict],
    events: Sequence[dict],
    duration: float,
    precise: bool,
) -> Markup:
    """What the page's script needs (timeline, search, lightbox), as JSON for its data <script>."""
    timeline = report.get("timeline") or {}
    data = {
        "duration": duration,
        "precise": precise,
        "keyframes": [
            {
                "index": c["index"],
                "time": c["time"],
                "clock": c["clock"],
                "image": c["image_url"],
                "description": c["description"],
                "level": c["level"],
                "verdicts": c["verdict_values"],
                "search": "\n".join(
                    [c["description"], c["visible_text"], c["ocr_text"], c["transcript"], *c["objects"]]
                ),
            }
            for c in cards
        ],
        "chapters": [
            {"start": ch["start"], "end": ch["end"], "title": ch["title"], "clock": ch["start_clock"]}
            for ch in chapters
        ],
        "events": [
            {
                "time": ev["time"],
                "end": ev["end"],
                "level": ev["level"],
                "description": ev["description"],
                "keyframes": [e["index"] for e in ev["evidence"]],
            }
            for ev in events
        ],
        "cuts": [_number(t) for t in timeline.get("cuts") or []],
        "gaps": [list(gap) for gap in timeline_spans(report, "gaps")],
        "activity": [
            [_number(point[0]), _number(point[1])]
            for point in timeline.get("activity") or []
            if isinstance(point, (list, tuple)) and len(point) >= 2
        ],
        "levelNames": {str(k): v for k, v in LEVEL_NAMES.items()},
    }
    return script_safe_json(data)


def script_safe_json(data: Any) -> Markup:
    """JSON that cannot end its <script> element early.

    With <, > and & written as \\u escapes, no text from a caption can form `</script>` or `<!--`, so the
    HTML parser sees one opaque string; JSON.parse turns the escapes back into the original characters.
    That is why this is the one place where Markup (no autoescaping) is safe: autoescaping would turn
    quotes into &#34; which a <script> element does not decode.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


# --- the batch index ------------------------------------------------------------------------------------

_STATUSES = ("complete", "partial", "failed")


def _index_row(entry: Mapping[str, Any], out_dir: Path) -> dict[str, Any]:
    status = _text(entry.get("status")).lower() or "failed"
    duration = entry.get("duration")
    return {
        "name": _text(entry.get("name")) or "(unnamed)",
        "report_url": safe_relative_url(entry.get("report")),
        "status": status,
        "status_class": status if status in _STATUSES else "failed",  # e.g. "interrupted" looks failed
        "duration": format_clock(duration, hours=_number(duration) >= 3600) if duration is not None else None,
        "keyframes": _int_or_none(entry.get("keyframes")) or 0,
        "events": _int_or_none(entry.get("events")) or 0,
        "error": _text(entry.get("error")),
        "thumbnails": [
            url
            for url in (_existing_file_link(out_dir, path) for path in entry.get("thumbnails") or [])
            if url
        ],
    }


def _existing_file_link(out_dir: Path, path: Any) -> str | None:
    """A relative link for the index (not inlined); a missing file is left out rather than shown broken."""
    url = safe_relative_url(path)
    frame = _frame_file(out_dir, path)
    return url if url and frame is not None and frame.is_file() else None
