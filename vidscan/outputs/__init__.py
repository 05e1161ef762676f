"""Writers for the files a profile asks for: pure functions from report dicts to text.

A profile's ``outputs`` name files from ``VIDEO_OUTPUTS`` (written beside each report.json) and its
``batch_outputs`` name files from ``BATCH_OUTPUTS`` (written once, in the output folder, for all clips).

Report-dict keys they read, beyond report.json's documented ones (all optional; absent means none):

=========================================  ============================================================
key                                        meaning
=========================================  ============================================================
``keyframes[].ocr_text``: str              the frame's text read by OCR, lines top to bottom
``keyframes[].transcript``: str            what was said while the frame was on screen
``keyframes[].caption``                    the profile's reply: general {description, visible_text,
                                           objects}; lecture {slide_title, slide_text, description,
                                           key_terms}; security {people, vehicles, objects, activity,
                                           description, level_reason, level, confidence}; inspection
                                           {description, checks: {check id: {reason, verdict}}}
``keyframes[].level``: 0|1|2               security: the frame's own level (copied from its caption)
``keyframes[].verdicts``: list             inspection: [{"check_id", "check", "verdict", "reason"}]
``summary.events[].level``: 0|1|2          security: never below its keyframes' (profiles.event_levels)
``summary.events[].end``: float            security: when the event ends
``verdicts``: list                         inspection, per clip: [{"check_id", "check", "verdict",
                                           "reason", "keyframes", "times"}] (profiles.check_verdicts)
``run.profile``: str                       the profile's name
=========================================  ============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import inspection, lecture, security

Report = Mapping[str, Any]

VIDEO_OUTPUTS: dict[str, Callable[[Report], str]] = {
    "notes.md": lecture.notes_markdown,
    "chapters.txt": lecture.youtube_chapters,
    "chapters.vtt": lecture.chapters_vtt,
    "events.md": security.events_markdown,
    "events.vtt": security.events_vtt,
}

BATCH_OUTPUTS: dict[str, Callable[[Sequence[Report]], str]] = {
    "verdicts.csv": inspection.verdicts_csv,
    "verdicts.json": inspection.verdicts_json,
}

__all__ = ["BATCH_OUTPUTS", "VIDEO_OUTPUTS", "Report", "inspection", "lecture", "security"]
