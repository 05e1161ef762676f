"""A report's keyframes as moments: everything the library indexes about each one.

A moment is one keyframe of one video with every text that says what is there: the caption, the text on
screen (the model's reading and OCR), what was said over it, the chapter and events it belongs to and,
by profile, its level and verdicts. Read from report.json dicts and tolerant of missing or odd fields, so
a report from an older vidscan, or one edited by hand, still indexes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# Caption fields that are text on screen (they go with OCR) or numbers, not words about the scene.
_SCREEN_FIELDS = frozenset({"visible_text", "slide_title", "slide_text"})
_NOT_WORDS = frozenset({"level", "confidence", "checks"})
EMBED_TEXT_CHARS = 2000  # what one moment's embedding reads: a model's context is far larger


@dataclass(frozen=True)
class Moment:
    keyframe: int  # the keyframe's index in its report
    time: float  # seconds from the start of the video stream
    segment: tuple[float, float]  # the stretch of video the keyframe stands for
    image: str  # the full frame, relative to the report's folder (the library never copies it)
    description: str  # the caption's description, shown first in results
    caption: str  # description, objects and the profile's own words (activity, people, key terms, ...)
    screen: str  # text on screen: the model's reading and OCR
    speech: str  # what was said while the keyframe was on screen
    story: str  # the chapter it is in, the events that cite it, its verdicts with their reasons
    level: int | None  # security: the highest of its own level and the levels of events citing it
    verdicts: tuple[str, ...]  # inspection: the verdicts its checks got (pass, fail, uncertain)

    def embedding_text(self) -> str:
        """What the embedding model reads for this moment ('' when there are no words at all)."""
        parts = (self.caption, self.screen, self.speech, self.story)
        return "\n".join(p for p in parts if p)[:EMBED_TEXT_CHARS]

    def text_key(self) -> str:
        return hashlib.sha256(self.embedding_text().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class VideoEntry:
    """One report.json as the library sees it."""

    name: str  # the video's file name
    path: str  # the video's path as it was analyzed
    profile: str
    duration: float
    title: str  # the summary's title, '' without a summary
    text_model: str  # the model that wrote the summary ('' when the report does not say)
    moments: tuple[Moment, ...]


class NotAReport(ValueError):
    """The JSON is not a vidscan report (the message says why)."""


def read_report(data: Any) -> VideoEntry:
    """The library's view of a report.json dict; NotAReport when it is not one."""
    if not isinstance(data, Mapping) or not isinstance(data.get("keyframes"), list):
        raise NotAReport("not a vidscan report (no keyframes list)")
    video, run, summary = (_mapping(data.get(key)) for key in ("video", "run", "summary"))
    chapters = list(_dicts(summary.get("chapters")))
    events = list(_dicts(summary.get("events")))
    moments = tuple(_moment(kf, chapters, events) for kf in _dicts(data["keyframes"]))
    path = _text(video.get("path"))
    return VideoEntry(
        name=_text(video.get("name")) or path.replace("\\", "/").rsplit("/", 1)[-1],
        path=path,
        profile=_text(run.get("profile")) or "general",
        duration=_number(video.get("duration")),
        title=_text(summary.get("title")),
        text_model=_text(run.get("llm")),
        moments=moments,
    )


def _moment(kf: Mapping[str, Any], chapters: list[Mapping], events: list[Mapping]) -> Moment:
    index = _int(kf.get("index"))
    keyframe = index if index is not None else -1
    time = _number(kf.get("time"))
    segment = _list(kf.get("segment"))
    start, end = (_number(segment[0]), _number(segment[-1])) if len(segment) >= 2 else (time, time)
    caption = _mapping(kf.get("caption"))
    citing = [e for e in events if keyframe in {_int(k) for k in _list(e.get("keyframes"))}]
    verdict_rows = list(_dicts(kf.get("verdicts")))
    levels = [_int(kf.get("level")), *(_int(e.get("level")) for e in citing)]
    known_levels = [level for level in levels if level is not None]
    return Moment(
        keyframe=keyframe,
        time=time,
        segment=(start, end),
        image=_text(kf.get("image")),
        description=_text(caption.get("description")),
        caption=_join(_words_about_scene(caption)),
        screen=_join([_text(caption.get(f)) for f in sorted(_SCREEN_FIELDS)] + [_text(kf.get("ocr_text"))]),
        speech=_text(kf.get("transcript")),
        story=_join(
            [_text(c.get("title")) for c in chapters if _in_chapter(time, c, chapters)]
            + [_text(e.get("description")) for e in citing]
            + [_verdict_line(row) for row in verdict_rows]
        ),
        level=max(known_levels) if known_levels else None,
        verdicts=tuple(sorted({_text(r.get("verdict")).lower() for r in verdict_rows} - {""})),
    )


def _words_about_scene(caption: Mapping[str, Any]) -> Iterator[str]:
    """The description first, then every other text the profile's reply holds (objects, people,
    activity, key terms, ...), whatever the profile."""
    yield _text(caption.get("description"))
    for key, value in caption.items():
        if key not in _SCREEN_FIELDS and key not in _NOT_WORDS and key != "description":
            yield from _strings(value)


def _in_chapter(time: float, chapter: Mapping[str, Any], chapters: list[Mapping]) -> bool:
    start, end = _number(chapter.get("start")), _number(chapter.get("end"))
    last = chapter is chapters[-1]  # the last chapter ends on the last keyframe: that one is in it
    return start <= time < end or (last and time == end)


def _verdict_line(row: Mapping[str, Any]) -> str:
    check, verdict, reason = (_text(row.get(k)) for k in ("check", "verdict", "reason"))
    return " ".join(p for p in (f"{check}:" if check else "", verdict, f"({reason})" if reason else "") if p)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value.strip()
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)


def _join(parts: Iterable[str]) -> str:
    """Non-empty parts, each once, one a line."""
    return "\n".join(dict.fromkeys(p for p in parts if p))


def _dicts(value: Any) -> Iterator[Mapping[str, Any]]:
    return (item for item in _list(value) if isinstance(item, Mapping))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return float(value)
