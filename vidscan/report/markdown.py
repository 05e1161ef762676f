"""report.md: the report as Markdown, from the same dict and the same normalisation as report.html.

Model output, OCR text and file names are untrusted: they are escaped (with the profile writers' helpers)
so that they stay text in any CommonMark renderer (no raw HTML, no links, no headings or lists of their
own). Visible text goes in fenced code blocks, where nothing is interpreted at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..outputs.text import md_inline, md_lines
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
    blank_note,
    format_clock,
    gap_note,
    level_label,
    timeline_spans,
)


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

    lines = [f"# {md_inline(title or name)}", ""]
    lines += _facts_lines(
        name, _header_facts(video, run, duration, len(cards), timeline_spans(report, "gaps"))
    )
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
            text = md_inline(chapter["title"]) or "Untitled"
            about = f" — {md_inline(chapter['summary'])}" if chapter["summary"] else ""
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
            label = f" ({md_inline(level)})" if level else ""
            links = _frame_links((e["index"] for e in event["evidence"]), image_by_index)
            evidence = f" — frames: {links}" if links else ""
            lines.append(f"- **{when}**{label} {md_inline(event['description'])}{evidence}")
        lines.append("")
    lines += ["## Keyframes", ""]
    for note in (gap_note(report, precise), blank_note(report, precise)):
        if note:
            lines += [f"*{note}*", ""]
    if not cards:
        lines += ["*No keyframes were extracted from this video.*", ""]
    for card in cards:
        lines += _keyframe_lines(card, clock(card["time"]))
    return "\n".join(lines).rstrip("\n") + "\n"


# --- escaping -------------------------------------------------------------------------------------------


def fenced(value: Any) -> list[str]:
    """Untrusted text verbatim in a code block whose fence is longer than any backtick run inside it."""
    text = _text(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *text.splitlines(), fence]


# --- parts ----------------------------------------------------------------------------------------------


def _facts_lines(name: str, facts: Iterable[tuple[str, str]]) -> list[str]:
    lines = [f"- **Video:** {md_inline(name)}"]
    lines += [f"- **{label}:** {md_inline(value)}" for label, value in facts]
    return [*lines, ""]


def _paragraph_lines(value: Any) -> list[str]:
    lines = md_lines(_text(value))
    return [*lines, ""] if lines else []


def _partial_lines(
    problems: Iterable[Any], cards: Iterable[Mapping[str, Any]], clock: Callable[[Any], str]
) -> list[str]:
    lines = ["> **This report is incomplete** (status: partial); below is what succeeded.", ">"]
    lines += [f"> - {md_inline(problem)}" for problem in problems if _text(problem)]
    lines += [
        f"> - Keyframe {card['index']} at {clock(card['time'])}: {md_inline(card['error'])}"
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
    reason = md_inline(card["reason"]) or "keyframe"
    lines = [f"### {when} · keyframe {card['index']} · {reason}", ""]
    if card["image_url"]:
        lines += [f"![Keyframe {card['index']} at {when}]({card['image_url']})", ""]
    if card["description"]:
        lines += _paragraph_lines(card["description"])
    elif card["error"]:
        lines += [f"*No caption:* {md_inline(card['error'])}", ""]
    details = []
    duplicate_of = _int_or_none(card["duplicate_of"])
    if duplicate_of is not None:
        details.append(f"- Same view as keyframe {duplicate_of}; its caption is reused.")
    if card["objects"]:
        details.append(f"- Objects: {', '.join(md_inline(obj) for obj in card['objects'] if obj)}")
    if card["verdicts"]:
        details.append(f"- Verdicts: {'; '.join(md_inline(v) for v in card['verdicts'])}")
    lines += [*details, ""] if details else []
    for label, key in (("Visible text", "visible_text"), ("Text read from the frame", "ocr_text")):
        if card[key]:
            lines += [f"{label}:", "", *fenced(card[key]), ""]
    if card["transcript"]:
        lines += [f"> *Transcript:* {md_inline(card['transcript'])}", ""]
    return lines
