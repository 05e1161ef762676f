"""Security outputs: the events timeline, "look at these first", events.md, events.vtt and --fail-on.

Reads from the report dict: ``summary.events[]`` with ``time``, ``end`` (optional), ``description``,
``keyframes`` and ``level`` (0 normal, 1 unusual, 2 threat; levels already raised to their frames' by
``vidscan.profiles.event_levels``); per keyframe ``index``, ``time`` and ``level``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..profiles.schemas import level_of
from .text import clip_name, format_clock, keyframes_in_order, md_inline, summary_list
from .vtt import vtt_document

SECURITY_LEVEL_NAMES = {0: "normal", 1: "unusual", 2: "threat"}  # the schema's words for Level 0-2
DEFAULT_EVENT_SECONDS = 5.0  # how long an event without an end is shown in events.vtt


def events_timeline(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Events in time order as ``{"time", "end", "description", "level", "keyframes"}`` (level 0 if none)."""
    events = []
    for event in summary_list(report, "events"):
        time = float(event.get("time") or 0.0)
        end = event.get("end")
        events.append(
            {
                "time": time,
                "end": max(float(end), time) if isinstance(end, (int, float)) else None,
                "description": " ".join(str(event.get("description") or "").split()),
                "level": level_of(event.get("level")),
                "keyframes": [k for k in event.get("keyframes") or [] if isinstance(k, int)],
            }
        )
    return sorted(events, key=lambda e: e["time"])


def look_first(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events worth a look (level 1 or 2), the most serious first, then in time order."""
    worth = [e for e in events_timeline(report) if e["level"] >= 1]
    return sorted(worth, key=lambda e: (-e["level"], e["time"]))


def fails(report: Mapping[str, Any], fail_on_level: int) -> bool:
    """True when an event, or a keyframe's own level, is at or above fail_on_level (--fail-on: exit 4)."""
    levels = [e["level"] for e in events_timeline(report)]
    levels += [level_of(kf.get("level")) for kf in keyframes_in_order(report)]
    return any(level >= fail_on_level for level in levels)


def events_markdown(report: Mapping[str, Any]) -> str:
    """events.md: "look at these first", then the whole timeline."""
    out = [f"# Events in {md_inline(clip_name(report))}", "", "## Look at these first", ""]
    first = look_first(report)
    out += [f"- {_event_line(e)}" for e in first] or ["Nothing unusual was found."]
    out += ["", "## Timeline", ""]
    timeline = events_timeline(report)
    out += [f"- {_event_line(e)}" for e in timeline] or ["No events."]
    return "\n".join(out) + "\n"


def _event_line(event: Mapping[str, Any]) -> str:
    span = format_clock(event["time"])
    if event["end"] is not None and event["end"] > event["time"]:
        span += f"–{format_clock(event['end'])}"
    frames = ", ".join(f"#{k}" for k in event["keyframes"])
    name = SECURITY_LEVEL_NAMES[event["level"]]
    return f"**{span}** [{name}] {md_inline(event['description'])}" + (
        f" (frames {frames})" if frames else ""
    )


def events_vtt(report: Mapping[str, Any]) -> str:
    """events.vtt: each event's description with its level, to play alongside the video."""
    cues = []
    for event in events_timeline(report):
        end = event["end"] if event["end"] is not None else event["time"] + DEFAULT_EVENT_SECONDS
        cues.append((event["time"], end, f"[{SECURITY_LEVEL_NAMES[event['level']]}] {event['description']}"))
    return vtt_document(cues)
