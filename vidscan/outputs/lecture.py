"""Lecture outputs: slide-by-slide notes (notes.md) and chapters (YouTube list, WebVTT).

Reads from the report dict: ``summary.title``, ``summary.overview``, ``summary.chapters``; per keyframe
``time``, ``segment``, ``duplicate_of``, ``ocr_text``, ``transcript`` and the lecture caption fields
``slide_title``, ``slide_text``, ``description``, ``key_terms``. When the summary has no chapters, the
slides are the chapters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from .text import clip_name, duration, format_clock, keyframes_in_order, md_inline, md_lines, summary_list
from .vtt import vtt_document

YOUTUBE_MIN_CHAPTER_SECONDS = 10.0  # YouTube ignores chapter lists with a chapter shorter than this


@dataclass(frozen=True)
class Slide:
    number: int
    index: int  # keyframe index
    time: float
    start: float
    end: float
    title: str
    text_lines: tuple[str, ...]  # what is written on it, OCR preferred (exact), else the model's copy
    description: str
    key_terms: tuple[str, ...]
    transcript: str
    same_as: int | None  # the number of an earlier slide showing the same thing


def _ocr_lines(kf: Mapping[str, Any]) -> list[str]:
    return [line.strip() for line in str(kf.get("ocr_text") or "").splitlines() if line.strip()]


_CHROME_SHARE = 0.25  # of the frames, at least 3, in 2 separate stretches or more: the screen's frame
# Of the frames, at least 4, through 2 changes of slide or more: a deck's running header or footer (its
# title, the course's name, the lecturer's), on every slide of the video but for a misread or two.
_RUNNING_SHARE = 0.8


def _chrome(keyframes: Sequence[Mapping[str, Any]]) -> set[str]:
    """Lines read on many frames, in stretches that the line leaves and comes back to: an application's
    menu bar or tab strip (on every screen of that application), a slide deck's footer. Not a slide's
    title, though they come first on the screen. A title carried over several slides in a row is one
    stretch; an outline slide shown between sections is a small share of a deck. Also lines on nearly
    every frame that stay while the slide changes around them: a running header (see _slide_changes)."""
    lines = [{line.casefold() for line in _ocr_lines(kf)} for kf in keyframes]
    seen: dict[str, list[int]] = {}
    for number, on_frame in enumerate(lines):
        for line in on_frame:
            seen.setdefault(line, []).append(number)
    changes = _slide_changes(lines)
    chrome = set()
    for line, numbers in seen.items():
        stretches = 1 + sum(b - a > 1 for a, b in zip(numbers, numbers[1:], strict=False))
        if len(numbers) >= max(3, _CHROME_SHARE * len(keyframes)) and stretches >= 2:
            chrome.add(line)
        stayed = sum(1 for i in changes if line in lines[i] and line in lines[i + 1])
        if len(numbers) >= max(4, _RUNNING_SHARE * len(keyframes)) and stayed >= 2:
            chrome.add(line)
    return chrome


def _slide_changes(lines: Sequence[set[str]]) -> list[int]:
    """The frames i whose next frame is another slide: a line of frame i is gone from it (not misread:
    nothing there reads like it). A slide's builds only add lines, and keep its title."""
    changes = []
    for i, (before, after) in enumerate(zip(lines, lines[1:], strict=False)):
        gone = [line for line in before - after if not any(_alike(line, other) for other in after)]
        if gone:
            changes.append(i)
    return changes


def _alike(a: str, b: str) -> bool:
    """The same line read twice by OCR (a letter or a space read otherwise)."""
    return SequenceMatcher(None, a, b).ratio() >= _MISREAD_RATIO


_MISREAD_RATIO = 0.8  # difflib's similarity of two readings of one line (one letter in five misread)


def _may_title(line: str, chrome: set[str]) -> bool:
    """Not the screen's frame (nor a misreading of it), and at least three letters or digits (OCR reads
    icons as one-letter lines)."""
    key = line.casefold()
    framing = key in chrome or any(_alike(key, other) for other in chrome)
    return not framing and sum(c.isalnum() for c in line) >= 3


def slides(report: Mapping[str, Any]) -> list[Slide]:
    """The keyframes as slides, in time order. A slide the model gave no title is titled by its first
    line of OCR text that is not on many slides (see _chrome)."""
    result: list[Slide] = []
    number_of: dict[int, int] = {}
    keyframes = keyframes_in_order(report)
    chrome = _chrome(keyframes)
    for number, kf in enumerate(keyframes, start=1):
        caption: dict[str, Any] = kf["caption"] if isinstance(kf.get("caption"), dict) else {}
        ocr_lines = _ocr_lines(kf)
        own = [line for line in ocr_lines if _may_title(line, chrome)] or ocr_lines
        title = str(caption.get("slide_title") or "").strip() or (own[0] if own else "")
        written = ocr_lines or [line.strip() for line in str(caption.get("slide_text") or "").splitlines()]
        heading = next((i for i, line in enumerate(written) if line.casefold() == title.casefold()), None)
        if title and heading is not None:
            written = written[:heading] + written[heading + 1 :]  # the title is shown as the heading
        index = int(kf.get("index", number - 1))
        time = float(kf.get("time") or 0.0)
        segment = kf.get("segment") or [time, time]
        duplicate = kf.get("duplicate_of")
        number_of[index] = number
        result.append(
            Slide(
                number=number,
                index=index,
                time=time,
                start=float(segment[0]),
                end=float(segment[-1]),
                title=" ".join(title.split()),
                text_lines=tuple(line for line in written if line),
                description=str(caption.get("description") or "").strip(),
                key_terms=tuple(str(t).strip() for t in caption.get("key_terms") or [] if str(t).strip()),
                transcript=" ".join(str(kf.get("transcript") or "").split()),
                same_as=number_of.get(duplicate) if isinstance(duplicate, int) else None,
            )
        )
    return result


def key_terms(report: Mapping[str, Any]) -> list[str]:
    """Every slide's key terms once, in the order they first appear."""
    seen: dict[str, str] = {}
    for slide in slides(report):
        for term in slide.key_terms:
            seen.setdefault(term.casefold(), term)
    return list(seen.values())


def notes_markdown(report: Mapping[str, Any]) -> str:
    """notes.md: title, overview, key terms, chapters, then per slide its time, title, text and speech."""
    summary: dict[str, Any] = report["summary"] if isinstance(report.get("summary"), dict) else {}
    title = str(summary.get("title") or "").strip() or clip_name(report)
    out = [f"# {md_inline(title)}", ""]
    if summary.get("overview"):
        out += [md_inline(summary["overview"]), ""]
    terms = key_terms(report)
    if terms:
        out += ["**Key terms:** " + ", ".join(md_inline(t) for t in terms), ""]
    chapters = chapter_list(report)
    if chapters:
        out += ["## Chapters", ""]
        out += [f"- {format_clock(start)} {md_inline(name)}" for start, _, name in chapters]
        out.append("")
    out += ["## Slides", ""]
    for slide in slides(report):
        out += _slide_notes(slide)
    return "\n".join(out).rstrip() + "\n"


def _slide_notes(slide: Slide) -> list[str]:
    heading = md_inline(slide.title) or "(untitled)"
    shown = f"{format_clock(slide.start)}–{format_clock(slide.end)}"
    out = [f"### {slide.number}. {heading} ({format_clock(slide.time)})", "", f"*On screen {shown}*", ""]
    if slide.same_as is not None:
        out += [f"Same slide as slide {slide.same_as}.", ""]
    elif slide.text_lines:
        # Quoted lines with empty quote lines between: each slide line stays its own line when rendered.
        quoted = "\n>\n".join(f"> {line}" for line in md_lines("\n".join(slide.text_lines)))
        out += ["**On the slide:**", "", quoted, ""]
    if slide.description and slide.same_as is None:
        out += [f"**What it shows:** {md_inline(slide.description)}", ""]
    if slide.key_terms and slide.same_as is None:
        out += ["**Key terms:** " + ", ".join(md_inline(t) for t in slide.key_terms), ""]
    if slide.transcript:
        out += ["**What the speaker said:**", "", md_inline(slide.transcript), ""]
    return out


def chapter_list(report: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    """(start, end, title) from the summary's chapters, else one per slide with a title (repeats merged)."""
    total = duration(report)
    chapters = [
        (
            float(c.get("start") or 0.0),
            float(c.get("end") or 0.0),
            " ".join(str(c.get("title") or "").split()),
        )
        for c in summary_list(report, "chapters")
    ]
    chapters = sorted((c for c in chapters if c[2]), key=lambda c: c[0])
    if not chapters:
        starts: list[tuple[float, str]] = []
        for slide in slides(report):
            if slide.title and (not starts or starts[-1][1] != slide.title):
                starts.append((slide.start, slide.title))
        ends = [start for start, _ in starts[1:]] + [max(total, starts[-1][0])] if starts else []
        chapters = [(start, end, name) for (start, name), end in zip(starts, ends, strict=True)]
    return chapters


def youtube_chapters(report: Mapping[str, Any]) -> str:
    """chapters.txt: ``00:00 Title`` lines to paste into a YouTube description.

    YouTube's rules: the first chapter starts at 00:00, times ascend, each chapter lasts at least 10 s
    (a shorter one is merged into the one before), and a list needs at least three chapters to show.
    """
    chapters = chapter_list(report)
    if not chapters:
        return ""
    total = duration(report) or chapters[-1][1]
    # The first chapter starts at 00:00; each lasts until the next one starts.
    starts = [0.0] + [start for start, _, _ in chapters[1:]]
    ends = starts[1:] + [total]
    # A short chapter is dropped, which lengthens the one before it; the first kept one starts at 0.
    kept = [
        (start, name)
        for start, end, (_, _, name) in zip(starts, ends, chapters, strict=True)
        if end - start >= YOUTUBE_MIN_CHAPTER_SECONDS
    ]
    hours = total >= 3600
    lines = [
        f"{_youtube_time(0.0 if i == 0 else start, hours)} {name}\n" for i, (start, name) in enumerate(kept)
    ]
    return "".join(lines)


def _youtube_time(seconds: float, hours: bool) -> str:
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if hours else f"{m:02d}:{s:02d}"


def chapters_vtt(report: Mapping[str, Any]) -> str:
    """chapters.vtt: one cue per chapter (for <track kind="chapters"> and players that read it)."""
    return vtt_document(chapter_list(report))
