"""Writers for everything a run leaves behind: report.json (the contract), report.html and the exports.

Every file is written under a temporary name and renamed, so a crash never leaves half a report.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..types import Event, Report

SCHEMA_VERSION = 1


def report_to_dict(report: Report) -> dict[str, Any]:
    video = asdict(report.video)
    video["name"] = Path(report.video.path).name
    keyframes = []
    for result in report.captions:
        kf = result.keyframe
        keyframes.append(
            {
                "index": kf.index,
                "time": kf.time,
                "image": result.image,
                "reason": kf.reason,
                "segment": list(kf.segment),
                "duplicate_of": kf.duplicate_of,
                "caption": None
                if result.caption is None
                else {
                    **(result.reply or {}),  # the profile's own fields (slide_title, level, checks, ...)
                    "description": result.caption.description,
                    "visible_text": result.caption.visible_text,
                    "objects": list(result.caption.objects),
                },
                "error": result.error,
            }
        )
        optional = {
            "ocr_text": result.ocr_text,
            "transcript": result.transcript,
            "level": result.level,
            "verdicts": list(result.verdicts),
        }
        keyframes[-1].update({k: v for k, v in optional.items() if v not in ("", None, [])})
    summary = None
    if report.summary is not None:
        summary = {
            "title": report.summary.title,
            "overview": report.summary.overview,
            "chapters": [asdict(c) for c in report.summary.chapters],
            "events": [_event_dict(e) for e in report.summary.events],
        }
    run = asdict(report.run)
    run["problems"] = list(report.run.problems)
    run["calls_by_host"] = dict(report.run.calls_by_host)
    run["frames_decoded"] = report.selection.frames_decoded
    run["decode_mode"] = report.selection.decode_mode
    run["iframe_interval"] = report.selection.iframe_interval
    run["iframe_interval_longest"] = report.selection.iframe_interval_longest
    run["hwaccel"] = report.selection.hwaccel
    band = report.selection.clock_band
    run["clock_band"] = list(band) if band else None
    run["claimed_duration"] = report.selection.claimed_duration
    return {
        "schema_version": SCHEMA_VERSION,
        "video": video,
        "keyframes": keyframes,
        "summary": summary,
        "run": run,
        "timeline": {
            "cuts": list(report.selection.cuts),
            "activity": [list(p) for p in report.selection.activity],
            "blank": [list(b) for b in report.selection.blank],
            "gaps": [list(g) for g in report.selection.gaps],
        },
    }


def _event_dict(event: Event) -> dict[str, Any]:
    data = {**asdict(event), "keyframes": list(event.keyframes)}
    return {k: v for k, v in data.items() if v is not None or k not in ("end", "level")}


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; a report is for reading
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(data: dict[str, Any], report_dir: Path, extra: Mapping[str, str] | None = None) -> list[str]:
    """report.json, the exports report.md and captions.vtt, the profile's files (`extra`: name -> text),
    then report.html (all from the same dict; thumbnails read from report_dir/frames; the page links the
    exports it finds). Returns the names written, report.html last."""
    from .html import render_report_html
    from .markdown import render_report_markdown
    from .vtt import render_captions_vtt

    files = {
        "report.json": json.dumps(data, indent=2, ensure_ascii=False),
        "report.md": render_report_markdown(data),
        "captions.vtt": render_captions_vtt(data),
        **(extra or {}),
    }
    for name, text in files.items():
        write_atomic(report_dir / name, text.encode())
    write_atomic(report_dir / "report.html", render_report_html(data, report_dir).encode())
    return [*files, "report.html"]
