"""captions.vtt: each keyframe's description as a WebVTT cue, so any video player shows it over the footage.

A keyframe's cue runs from its time until the next keyframe's time (the last one until the video's end).
Summary events become cues of their own at the top of the picture (`line:0`), with their level when the
run gave one and their `end` when they last a while; WebVTT allows cues to overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..outputs.vtt import cue_text, vtt_time
from .html import _int_or_none, _number, _summary_list, _text, _video_duration, level_label

# How long an event without an `end` stays on screen.
EVENT_CUE_SECONDS = 4.0
# How long a keyframe's cue lasts when the video's end does not come after it (a bad or missing probe).
FALLBACK_CUE_SECONDS = 1.0

# Control characters have no business in a subtitle (a strict parser rejects NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Cue:
    identifier: str
    start_ms: int
    end_ms: int
    text: str
    settings: str = ""


def render_captions_vtt(report: Mapping[str, Any]) -> str:
    """The WebVTT file for a report.json dict: keyframe descriptions, then summary events."""
    keyframes = [kf for kf in report.get("keyframes") or [] if isinstance(kf, dict)]
    duration_ms = _milliseconds(_video_duration(report.get("video") or {}, keyframes))
    cues = [*_keyframe_cues(keyframes, duration_ms), *_event_cues(report.get("summary"), duration_ms)]
    blocks = ["WEBVTT", "NOTE\nKeyframe descriptions written by vidscan; events are shown at the top."]
    for cue in sorted(cues, key=lambda c: (c.start_ms, c.end_ms)):
        timing = f"{vtt_time(cue.start_ms / 1000)} --> {vtt_time(cue.end_ms / 1000)}"
        blocks.append(f"{cue.identifier}\n{timing}{' ' + cue.settings if cue.settings else ''}\n{cue.text}")
    return "\n\n".join(blocks) + "\n"


def plain_cue_text(value: Any) -> str:
    """Untrusted text as one line of cue text: no markup, no `-->`, no blank line, no control characters."""
    return cue_text(_CONTROL.sub("", _text(value)))


def _milliseconds(seconds: Any) -> int:
    # WebVTT has millisecond resolution: rounding first makes "same time" and "end > start" exact.
    return round(max(_number(seconds), 0.0) * 1000)


def _keyframe_cues(keyframes: Iterable[Mapping[str, Any]], duration_ms: int) -> list[Cue]:
    """One cue per distinct keyframe time; keyframes without a description leave their stretch empty."""
    texts_at: dict[int, list[str]] = {}
    first_index_at: dict[int, int] = {}
    for kf in sorted(keyframes, key=lambda kf: _number(kf.get("time"))):
        start = _milliseconds(kf.get("time"))
        texts = texts_at.setdefault(start, [])
        first_index_at.setdefault(start, _int_or_none(kf.get("index")) or 0)
        caption = kf.get("caption")
        text = plain_cue_text(caption.get("description")) if isinstance(caption, dict) else ""
        if text and text not in texts:
            texts.append(text)
    starts = sorted(texts_at)
    cues: list[Cue] = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else duration_ms
        if end <= start:  # a keyframe at (or, with a bad probe, after) the video's end
            end = start + round(FALLBACK_CUE_SECONDS * 1000)
        text = "\n".join(texts_at[start])
        if not text:
            continue
        previous = cues[-1] if cues else None
        if previous and previous.end_ms == start and previous.text == text:
            # The same description again (a view that returns): one longer cue instead of a flicker.
            cues[-1] = Cue(previous.identifier, previous.start_ms, end, text)
        else:
            cues.append(Cue(f"keyframe-{first_index_at[start]}", start, end, text))
    return cues


def _event_cues(summary: Any, duration_ms: int) -> list[Cue]:
    """Events with an `end` last until it; others for a few seconds, cut short by the next event (so they
    do not pile up at the top of the picture) and by the video's end."""
    events = sorted(
        (event for event in _summary_list(summary, "events") if plain_cue_text(event.get("description"))),
        key=lambda event: _number(event.get("time")),
    )
    starts = sorted(_milliseconds(event.get("time")) for event in events)
    cues = []
    for number, event in enumerate(events):
        start = _milliseconds(event.get("time"))
        end = _milliseconds(event.get("end")) if event.get("end") is not None else 0
        if end <= start:
            limits = [start + round(EVENT_CUE_SECONDS * 1000), duration_ms, *starts]
            end = min(limit for limit in limits if limit > start)
        level = plain_cue_text(level_label(event.get("level")))
        label = f"[{level}] " if level else ""
        text = label + plain_cue_text(event.get("description"))
        cues.append(Cue(f"event-{number}", start, end, text, "line:0"))
    return cues
