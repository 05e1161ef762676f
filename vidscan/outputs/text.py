"""Helpers shared by the writers: reading report dicts defensively, and making untrusted text literal in
Markdown (model output, OCR and transcripts can contain markup, links or images)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..report.html import format_clock

__all__ = [
    "clip_name",
    "duration",
    "format_clock",
    "keyframes_in_order",
    "md_inline",
    "md_lines",
    "summary_list",
]

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md_inline(text: Any) -> str:
    """One line of Markdown that shows the text literally: no links, images, HTML, emphasis or tables."""
    return _MD_INLINE.sub(r"\\\1", " ".join(str(text or "").split()))


def md_lines(text: Any) -> list[str]:
    """The text's non-empty lines, each literal Markdown (a leading '#', '>' or '-' stays text)."""
    lines = []
    for raw in str(text or "").splitlines():
        line = md_inline(raw)
        if line:
            lines.append(_MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line, count=1))
    return lines


def keyframes_in_order(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    keyframes = [kf for kf in report.get("keyframes") or [] if isinstance(kf, dict)]
    return sorted(keyframes, key=lambda kf: float(kf.get("time") or 0.0))


def summary_list(report: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    summary = report.get("summary")
    if not isinstance(summary, dict):
        return []
    return [item for item in summary.get(key) or [] if isinstance(item, dict)]


def clip_name(report: Mapping[str, Any]) -> str:
    video = report.get("video") or {}
    return str(video.get("name") or Path(str(video.get("path") or "video")).name)


def duration(report: Mapping[str, Any]) -> float:
    """The video's duration, or the end of the last keyframe's segment when the probe gave none."""
    value = float((report.get("video") or {}).get("duration") or 0.0)
    if value > 0:
        return value
    ends = [float((kf.get("segment") or [0.0, 0.0])[-1]) for kf in keyframes_in_order(report)]
    return max(ends, default=0.0)
