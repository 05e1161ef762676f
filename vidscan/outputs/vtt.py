"""WebVTT files from (start, end, text) cues, with untrusted text made safe as cue text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def vtt_time(seconds: float) -> str:
    """hh:mm:ss.ttt, as WebVTT requires."""
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def cue_text(value: Any) -> str:
    """One line with '&', '<' and '>' escaped: a blank line would end the cue, '-->' would start a
    timing line, and cue text is HTML-like."""
    line = " ".join(str(value or "").split())
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_document(cues: Iterable[tuple[float, float, str]]) -> str:
    """A WebVTT file; a cue that would end before it starts lasts a tenth of a second."""
    blocks = ["WEBVTT"]
    for number, (start, end, text) in enumerate(cues, start=1):
        blocks.append(f"{number}\n{vtt_time(start)} --> {vtt_time(max(end, start + 0.1))}\n{cue_text(text)}")
    return "\n\n".join(blocks) + "\n"
