"""report.md: the report as Markdown, from the same dict and the same normalisation as report.html.

Model output, OCR text and file names are untrusted: they are escaped so that they stay text in any
CommonMark renderer (no raw HTML, no links, no headings or lists of their own). Visible text goes in fenced
code blocks, where nothing is interpreted at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .html import (
    PRECISE_TIMES_BELOW_SECONDS,
    _chapter_views,
    _event_views,
    _header_facts,
    _int_or_none,
    _keyframe_card,
    _number,
    _text,
    _video_duration,
    format_clock,
    level_label,
)

# Backslash escapes work for every ASCII punctuation character in CommonMark; these are the ones that
# can start emphasis, code, links, tables, strike-through or (at a line's start) a heading.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
# Characters that could start raw HTML or an entity are written as entities, which every renderer decodes.
_ENTITY_START = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# What would turn a paragraph into a list item, a heading underline or a thematic break: the marker
# (after a list number's digits) gets the backslash.
_BLOCK_START = re.compile(r"^(\d{1,9}(?=[.)])|(?=[-+=]))")


def render_report_markdown(report: Mapping[str, Any]) -> str:
    """report.md for a report.json dict: header, summary, chapters, events, then every keyframe."""
    video = report.get("video") or {}
    run = report.get("run") or {}
    keyframes = sorted(
        (kf for kf in report.get("keyframes") or [] if isinstance(kf, dict)),
        key=lambda kf: _number(kf.get("time")),
    )
    duration = _video_duration(video, keyframes)
    precise = duration < PRECISE_TIMES_BELOW_SECONDS
    cards = [_keyframe_card(kf, None, precise) for kf in keyframes]
    summary = report.get("summary") if isinstance(report.get("summary"), dict) else None
    name = _text(video.get("name")) or "video"
    title = _text(summary.get("title")) if summary else ""

    def clock(seconds: Any) -> str:
        return format_clock(seconds, precise=precise, hours=True)

    lines = [f"# {escape_inline(title or name)}", ""]
    lines += _facts_lines(name, _header_facts(video, run, duration, len(cards)))
    if run.get("status") == "partial":
        lines += _partial_lines(run.get("problems") or [], cards, clock)
    lines += ["## Summary", ""]
    if summary is None:
        lines += ["*No summary was written for this run.*", ""]
    else:
        lines += _paragraph_lines(summary.get("overview"))
    chapters = sorted(_chapter_views(summary, cards, precise), key=lambda ch: ch["start"])
    if chapters:
        lines += ["## Chapters", ""]
        for chapter in chapters:
            text = escape_inline(chapter["title"]) or "Untitled"
            about = f" — {escape_inline(chapter['summary'])}" if chapter["summary"] else ""
            lines.append(f"- **{clock(chapter['start'])}–{clock(chapter['end'])}** {text}{about}")
        lines.append("")
    image_by_index = {card["index"]: card["image_url"] for card in cards}
    events = sorted(_event_views(summary, cards, precise), key=lambda ev: ev["time"])
    if events:
        lines += ["## Events", ""]
        for event in events:
            when = clock(event["time"])
            if event["end"] is not None and event["end"] > event["time"]:
                when += f"–{clock(event['end'])}"
            level = level_label(event["level"])
            label = f" ({escape_inline(level)})" if level else ""
            links = _frame_links((e["index"] for e in event["evidence"]), image_by_index)
            evidence = f" — frames: {links}" if links else ""
            lines.append(f"- **{when}**{label} {escape_inline(event['description'])}{evidence}")
        lines.append("")
    lines += ["## Keyframes", ""]
    if not cards:
        lines += ["*No keyframes were extracted from this video.*", ""]
    for card in cards:
        lines += _keyframe_lines(card, clock(card["time"]))
    return "\n".join(lines).rstrip("\n") + "\n"


# --- escaping -------------------------------------------------------------------------------------------


def escape_inline(value: Any) -> str:
    """Untrusted text as one line of literal Markdown text (line breaks become spaces)."""
    text = " ".join(_text(value).split())
    text = _ENTITY_START.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def escape_paragraphs(value: Any) -> list[str]:
    """Untrusted prose as escaped paragraphs (split at blank lines), none of which can start a block."""
    paragraphs = re.split(r"\n\s*\n", _text(value))
    escaped = (escape_inline(paragraph) for paragraph in paragraphs)
    return [_BLOCK_START.sub(r"\1\\", paragraph) for paragraph in escaped if paragraph]


def fenced(value: Any) -> list[str]:
    """Untrusted text verbatim in a code block whose fence is longer than any backtick run inside it."""
    text = _text(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *text.splitlines(), fence]


# --- parts ----------------------------------------------------------------------------------------------


def _facts_lines(name: str, facts: Iterable[tuple[str, str]]) -> list[str]:
    lines = [f"- **Video:** {escape_inline(name)}"]
    lines += [f"- **{label}:** {escape_inline(value)}" for label, value in facts]
    return [*lines, ""]


def _paragraph_lines(value: Any) -> list[str]:
    return [line for paragraph in escape_paragraphs(value) for line in (paragraph, "")]


def _partial_lines(
    problems: Iterable[Any], cards: Iterable[Mapping[str, Any]], clock: Callable[[Any], str]
) -> list[str]:
    lines = ["> **This report is incomplete** (status: partial); below is what succeeded.", ">"]
    lines += [f"> - {escape_inline(problem)}" for problem in problems if _text(problem)]
    lines += [
        f"> - Keyframe {card['index']} at {clock(card['time'])}: {escape_inline(card['error'])}"
        for card in cards
        if card["error"]
    ]
    return [*lines, ""]


def _frame_links(indices: Iterable[int], image_by_index: Mapping[int, str | None]) -> str:
    """`[#3](frames/kf0003.jpg)` for each cited keyframe; a frame without a safe path is named, not linked."""
    links = []
    for index in indices:
        url = image_by_index.get(index)
        links.append(f"[#{index}]({url})" if url else f"#{index}")
    return ", ".join(links)


def _keyframe_lines(card: Mapping[str, Any], when: str) -> list[str]:
    reason = escape_inline(card["reason"]) or "keyframe"
    lines = [f"### {when} · keyframe {card['index']} · {reason}", ""]
    if card["image_url"]:
        lines += [f"![Keyframe {card['index']} at {when}]({card['image_url']})", ""]
    if card["description"]:
        lines += _paragraph_lines(card["description"])
    elif card["error"]:
        lines += [f"*No caption:* {escape_inline(card['error'])}", ""]
    details = []
    duplicate_of = _int_or_none(card["duplicate_of"])
    if duplicate_of is not None:
        details.append(f"- Same view as keyframe {duplicate_of}; its caption is reused.")
    if card["objects"]:
        details.append(f"- Objects: {', '.join(escape_inline(obj) for obj in card['objects'] if obj)}")
    if card["verdicts"]:
        details.append(f"- Verdicts: {'; '.join(escape_inline(v) for v in card['verdicts'])}")
    lines += [*details, ""] if details else []
    for label, key in (("Visible text", "visible_text"), ("Text read from the frame", "ocr_text")):
        if card[key]:
            lines += [f"{label}:", "", *fenced(card[key]), ""]
    if card["transcript"]:
        lines += [f"> *Transcript:* {escape_inline(card['transcript'])}", ""]
    return lines
