"""Small report.json files for the library's tests: real files in a folder laid out as analyze lays
it out (<out>/<name>/report.json and frames/), with the captions, text and speech a test needs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image


@dataclass(frozen=True)
class Frame:
    time: float
    description: str
    ocr: str = ""
    speech: str = ""
    level: int | None = None  # security
    verdict: str | None = None  # inspection: the verdict of its one check
    extra: dict[str, Any] = field(default_factory=dict)  # more caption fields


def write_report(
    out: Path,
    name: str,
    frames: Sequence[Frame],
    profile: str = "general",
    events: Sequence[dict[str, Any]] = (),
    title: str = "",
    images: bool = True,
) -> Path:
    """<out>/<name>/report.json (and a small JPEG per keyframe under frames/ when `images`)."""
    folder = out / name
    (folder / "frames").mkdir(parents=True, exist_ok=True)
    keyframes = []
    for index, frame in enumerate(frames):
        image = f"frames/kf{index:04d}_{frame.time:010.3f}s.jpg"
        if images:
            shade = (40 * index) % 255
            Image.new("RGB", (64, 36), (shade, 120, 255 - shade)).save(folder / image)
        keyframe: dict[str, Any] = {
            "index": index,
            "time": frame.time,
            "image": image,
            "reason": "cut",
            "segment": [frame.time, frame.time + 5.0],
            "duplicate_of": None,
            "caption": {"description": frame.description, "visible_text": "", "objects": [], **frame.extra},
            "error": None,
        }
        if frame.ocr:
            keyframe["ocr_text"] = frame.ocr
        if frame.speech:
            keyframe["transcript"] = frame.speech
        if frame.level is not None:
            keyframe["level"] = frame.level
        if frame.verdict is not None:
            keyframe["verdicts"] = [
                {"check_id": "c1", "check": "the cap is on", "verdict": frame.verdict, "reason": "as seen"}
            ]
        keyframes.append(keyframe)
    duration = max((f.time for f in frames), default=0.0) + 5.0
    report = {
        "schema_version": 1,
        "video": {"path": f"/videos/{name}.mp4", "name": f"{name}.mp4", "duration": duration},
        "keyframes": keyframes,
        "summary": {"title": title, "overview": "", "chapters": [], "events": list(events)},
        "run": {"profile": profile, "status": "complete"},
    }
    (folder / "report.json").write_text(json.dumps(report, indent=2), "utf-8")
    return folder / "report.json"


STREET = (
    Frame(2.0, "A cyclist rides along the river path."),
    Frame(9.0, "A white van is parked at the gate."),
    Frame(15.0, "A woman carries a red suitcase across the square."),
    Frame(21.0, "Pigeons sit on an empty bench."),
)
WAREHOUSE = (
    Frame(1.0, "A forklift lifts a pallet.", level=0),
    Frame(30.0, "A man in a hood climbs the fence at night.", level=2),
    Frame(60.0, "A truck backs into the loading dock.", level=1),
)
BOTTLING = (
    Frame(0.5, "Bottles move along the belt.", verdict="pass"),
    Frame(4.0, "A bottle without its cap moves along the belt.", verdict="fail"),
)


def small_library(out: Path) -> Path:
    """Three videos of three profiles: street (general), warehouse (security), bottling (inspection)."""
    write_report(out, "street", STREET, title="A street by the river")
    write_report(
        out,
        "warehouse",
        WAREHOUSE,
        profile="security",
        events=[{"time": 30.0, "description": "Someone climbs the fence.", "keyframes": [1], "level": 2}],
    )
    write_report(out, "bottling", BOTTLING, profile="inspection")
    return out
