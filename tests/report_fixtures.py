"""Realistic report.json dicts plus frame JPEGs on disk, for the report page's tests."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

FRAME_SIZE = (640, 360)
DURATION = 900.0  # a 15-minute video
PALETTE = [
    (38, 70, 83),
    (42, 157, 143),
    (233, 196, 106),
    (244, 162, 97),
    (231, 111, 81),
    (69, 123, 157),
    (29, 53, 87),
    (168, 218, 220),
    (106, 76, 147),
    (130, 160, 60),
    (200, 80, 120),
    (90, 90, 90),
]

# (time, reason, description, visible_text, objects)
KEYFRAME_ROWS: list[tuple[float, str, str, str, list[str]]] = [
    (0.0, "start", "A loading dock at dawn, roller door half open.", "DOCK 4", ["door", "pallet"]),
    (42.5, "cut", "A worker in a yellow vest scans a pallet label.", "SKU 88-1203", ["person", "scanner"]),
    (95.0, "activity-peak", "A forklift lifts two pallets onto a truck.", "", ["forklift", "truck"]),
    (160.0, "coverage", "A forklift lifts two pallets onto a truck.", "", ["forklift", "truck"]),
    (
        230.0,
        "text-change",
        "An office desk with an invoice on a clipboard.",
        "INVOICE #4411\nTotal: 1,240",
        [],
    ),
    (310.0, "cut", "", "", []),
    (402.0, "fade", "A monitor shows a spreadsheet of shipments.", "Shipments - week 32", ["monitor"]),
    (480.0, "settled", "Close-up of a damaged carton with a torn corner.", "FRAGILE", ["carton"]),
    (560.0, "activity-start", "Two people argue next to the damaged carton.", "", ["person", "carton"]),
    (640.0, "heartbeat", "The warehouse aisle, empty and quiet.", "AISLE C", ["shelf"]),
    (754.2, "text-change", "A signed invoice is placed in a tray.", "INVOICE #4411 PAID", ["tray", "paper"]),
    (860.0, "cut", "The truck drives away from the dock.", "", ["truck"]),
]
ERROR_INDEX = 5
DUPLICATE_INDEX = 3  # looks the same as keyframe 2


def frame_path(index: int, time: float) -> str:
    return f"frames/{index:06d}_{time:.3f}.jpg"


def draw_frame(
    path: Path, number: int, color: tuple[int, int, int], size: tuple[int, int] = FRAME_SIZE
) -> None:
    """A coloured JPEG with a big number, so screenshots show which frame is which."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):  # a faint grid, so the thumbnail scaling is visible
        draw.line([(x, 0), (x, size[1])], fill=tuple(min(255, c + 18) for c in color))
    font = ImageFont.load_default(size=size[1] // 2)
    draw.text((size[0] / 2, size[1] / 2), str(number), fill=(255, 255, 255), font=font, anchor="mm")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="JPEG", quality=85)


def build_report(report_dir: Path, *, draw_frames: bool = True) -> dict[str, Any]:
    """A partial run of a 15-minute video: 12 keyframes, 3 chapters, 4 events, one failed caption."""
    keyframes = []
    for index, (time, reason, description, visible_text, objects) in enumerate(KEYFRAME_ROWS):
        image = frame_path(index, time)
        if draw_frames:
            draw_frame(report_dir / image, index, PALETTE[index % len(PALETTE)])
        next_time = KEYFRAME_ROWS[index + 1][0] if index + 1 < len(KEYFRAME_ROWS) else DURATION
        failed = index == ERROR_INDEX
        keyframes.append(
            {
                "index": index,
                "time": time,
                "image": image,
                "reason": reason,
                "segment": [time, next_time],
                "duplicate_of": 2 if index == DUPLICATE_INDEX else None,
                "caption": None
                if failed
                else {"description": description, "visible_text": visible_text, "objects": objects},
                "error": "vision model timed out after 120 s" if failed else None,
            }
        )
    keyframes[6]["ocr_text"] = "Shipments - week 32\nPO 7781  delayed\nPO 7782  on time"
    keyframes[8]["transcript"] = "You said it was packed properly. It was not, look at this corner."
    return {
        "schema_version": 1,
        "video": {
            "path": "/data/videos/warehouse-walkthrough.mp4",
            "name": "warehouse-walkthrough.mp4",
            "duration": DURATION,
            "width": 1920,
            "height": 1080,
            "fps": 29.97,
            "rotation": 0,
            "has_audio": True,
            "codec": "h264",
            "start_offset": 0.0,
        },
        "keyframes": keyframes,
        "summary": {
            "title": "Morning shift at loading dock 4",
            "overview": (
                "A forklift loads a truck at dock 4, an invoice is checked in the office, a damaged carton "
                "leads to an argument, and the signed invoice is filed before the truck leaves."
            ),
            "chapters": [
                {"start": 0.0, "end": 200.0, "title": "Loading the truck", "summary": "Pallets are scanned."},
                {"start": 200.0, "end": 520.0, "title": "Paperwork", "summary": "The invoice is checked."},
                {
                    "start": 520.0,
                    "end": DURATION,
                    "title": "Dispute and departure",
                    "summary": "A carton tears.",
                },
            ],
            "events": [
                {"time": 95.0, "description": "Forklift loads two pallets at once.", "keyframes": [2, 3]},
                {"time": 230.0, "description": "Invoice #4411 is reviewed.", "keyframes": [4], "level": 0},
                {
                    "time": 480.0,
                    "end": 600.0,
                    "description": "A damaged carton is found and argued over.",
                    "keyframes": [7, 8],
                    "level": 2,
                },
                {"time": 754.2, "description": "The invoice is marked paid.", "keyframes": [10], "level": 1},
            ],
        },
        "run": {
            "vlm": "qwen2.5vl:7b",
            "llm": "qwen2.5:14b",
            "host": "http://localhost:11434",
            "started": "2024-08-07T06:12:44+00:00",
            "seconds": 312.4,
            "model_calls": 14,
            "cache_hits": 3,
            "status": "partial",
            "keyframe_strategy": "scenes+activity",
            "problems": ["1 of 12 captions failed; the summary was written without it."],
            "frames_decoded": 5400,
            "profile": "surveillance",
        },
        "timeline": {"cuts": [42.3, 309.8, 860.0, 861.0], "activity": activity_curve(DURATION, step=2.0)},
    }


def activity_curve(duration: float, step: float) -> list[list[float]]:
    """A plausible change score: quiet with bursts around the events."""
    points = []
    for i in range(int(duration / step) + 1):
        t = i * step
        bursts = sum(math.exp(-(((t - centre) / 25.0) ** 2)) for centre in (95, 230, 480, 560, 754))
        points.append([t, round(min(1.0, 0.08 + 0.7 * bursts + 0.04 * math.sin(t / 7.0)), 3)])
    return points


# Each would run script if it ever reached the page as markup; window.__xss proves it did not.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror="window.__xss=1">',
    "javascript:alert(1)",
    "</script><script>window.__xss=2</script>",
    "<svg onload=window.__xss=3>",
    '\'><iframe srcdoc="<script>parent.__xss=4</script>"></iframe>',
    "{{ 7*7 }} ${7*7} <!--",
]


def build_xss_report(report_dir: Path) -> dict[str, Any]:
    """The realistic report with attacker-controlled text in every field a model or file name fills."""
    report = copy.deepcopy(build_report(report_dir))
    joined = " ".join(XSS_PAYLOADS)
    report["video"]["name"] = 'clip"><img src=x onerror="window.__xss=5">.mp4'
    report["video"]["path"] = "/tmp/" + report["video"]["name"]
    report["video"]["codec"] = XSS_PAYLOADS[1]
    report["summary"]["title"] = "<script>alert(1)</script> title"
    report["summary"]["overview"] = joined
    report["summary"]["chapters"][0]["title"] = XSS_PAYLOADS[1]
    report["summary"]["events"][0]["description"] = '<img src=x onerror="window.__xss=6"> event'
    report["run"]["problems"] = [XSS_PAYLOADS[3]]
    report["run"]["host"] = "javascript:alert(1)"
    for kf, payload in zip(report["keyframes"], XSS_PAYLOADS * 2, strict=False):
        if kf["caption"]:
            kf["caption"] = {"description": payload, "visible_text": payload, "objects": [payload]}
        else:
            kf["error"] = payload
        kf["ocr_text"] = payload
        kf["reason"] = payload
    report["keyframes"][11]["image"] = "javascript:window.__xss=7"
    return report


# Sentences for the large report's captions: the length and variety of a real model's descriptions.
_SUBJECTS = ["A cyclist", "Two riders", "A delivery van", "A pedestrian with a dog", "A forklift", "A bus"]
_ACTIONS = [
    "crosses the frame from left to right",
    "waits at the junction while traffic passes",
    "turns into the side street near the bakery",
    "stops beside the loading bay and a person gets out",
    "passes the camera at speed, slightly blurred",
]
_PLACES = ["on a wet road", "under the railway bridge", "in the car park", "at dusk", "in bright sunlight"]


def build_large_report(
    report_dir: Path, sources: list[Path], keyframes: int, duration: float
) -> dict[str, Any]:
    """A long run: `keyframes` keyframes spread over `duration` seconds, each with its own frame file
    (hard links to the real frames in `sources`, so every thumbnail is encoded as in a real report)."""
    report = build_report(report_dir, draw_frames=False)
    frames = report_dir / "frames"
    frames.mkdir(parents=True, exist_ok=True)
    step = duration / keyframes
    rows = []
    for index in range(keyframes):
        time = round(index * step + step / 3, 2)
        image = f"frames/kf{index:04d}_{time:010.3f}s.jpg"
        (report_dir / image).hardlink_to(sources[index % len(sources)])
        description = (
            f"{_SUBJECTS[index % 6]} {_ACTIONS[index % 5]} {_PLACES[index % 4]}; "
            f"the scene is otherwise quiet (view {index})."
        )
        rows.append(
            {
                "index": index,
                "time": time,
                "image": image,
                "reason": ["cut", "coverage", "fade", "text-change"][index % 4],
                "segment": [round(index * step, 2), round((index + 1) * step, 2)],
                "duplicate_of": None,
                "caption": {
                    "description": description,
                    "visible_text": f"GATE {index % 7}\nBUS {index % 40}" if index % 3 == 0 else "",
                    "objects": ["bicycle", "road", "person"][: 1 + index % 3],
                },
                "error": None,
            }
        )
    report["keyframes"] = rows
    report["video"].update(duration=duration, width=1280, height=720, name="two-hours.mp4")
    report["run"].update(status="complete", problems=[])
    chapter = duration / 12
    report["summary"]["chapters"] = [
        {"start": i * chapter, "end": (i + 1) * chapter, "title": f"Part {i + 1}", "summary": "Traffic."}
        for i in range(12)
    ]
    report["summary"]["events"] = [
        {
            "time": rows[j * 10]["time"],
            "description": rows[j * 10]["caption"]["description"],
            "keyframes": [j * 10],
            "level": j % 3,
        }
        for j in range(keyframes // 10)
    ]
    report["timeline"] = {
        "cuts": [row["segment"][0] for row in rows[1::2]],
        "activity": activity_curve(duration, step=1.0),
    }
    return report
