#!/usr/bin/env python3
"""Make the README's screenshots: a real report of sample_videos/bikes.mp4, in light and dark.

The report comes from the real CLI against the test suite's fake Ollama server, with hand-written captions
and summary in place of the fake's synthetic ones (what each keyframe of the clip really shows), so the
page looks as it does with a real model. Needs ffmpeg, Debian's chromium + chromium-driver and selenium.

    python scripts/make_screenshot.py            # writes docs/report-light.png and docs/report-dark.png
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageStat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fake_ollama import FakeOllama  # noqa: E402

VIDEO = REPO / "sample_videos" / "bikes.mp4"
WIDTH = 1280  # CSS pixels of the browser window, and of the saved image
MAX_HEIGHT = 4000  # the whole page for this short clip; a longer one would be cut here
MAX_PNG_BYTES = 400 * 1024

# What each keyframe of bikes.mp4 shows, in time order (written by looking at the frames).
CAPTIONS: list[dict[str, Any]] = [
    {
        "description": "Seen from above, the white roof of a van with a brown roof vent drives along a "
        "street; a red car passes at the top right.",
        "visible_text": "",
        "objects": ["van roof", "red car", "road"],
    },
    {
        "description": "Slow traffic at dusk: rows of cars with their headlights on, out of focus, behind "
        "the dark roof of a car in the foreground.",
        "visible_text": "",
        "objects": ["cars", "headlights"],
    },
    {
        "description": "A cyclist in a black helmet and black clothes waits at the kerb holding a post, "
        "beside a car with its brake light on and a parked motorcycle.",
        "visible_text": "",
        "objects": ["cyclist", "bicycle", "car", "motorcycle"],
    },
    {
        "description": "A bicycle is locked to a green metal railing beside a wide street; cars drive past "
        "rows of brick town houses under a grey sky.",
        "visible_text": "",
        "objects": ["bicycle", "railing", "cars", "town houses"],
    },
    {
        "description": "A black city bicycle with a grey pannier leans against a building wall above a "
        "basement grille; a green bollard stands on the cobbled pavement in front.",
        "visible_text": "",
        "objects": ["bicycle", "pannier", "bollard", "cobblestones"],
    },
    {
        "description": "Close-up of a white bicycle frame and wheel in a rack, seen between dark, "
        "out-of-focus posts.",
        "visible_text": "",
        "objects": ["bicycle frame", "wheel", "bike rack"],
    },
]
CHAPTERS = [
    (0, 2, "Traffic", "The street from above and slow traffic at dusk."),
    (2, 3, "A cyclist waits", "A cyclist waits at the kerb next to the cars."),
    (3, 6, "Parked bicycles", "Bicycles locked to a railing, against a wall and in a rack."),
]
EVENTS = [
    (0, "A van drives along the street below the camera."),
    (2, "A cyclist stops at the kerb and holds on to a post while cars wait."),
    (3, "A bicycle is seen locked to the railing by a busy road."),
    (4, "A bicycle with a pannier stands against a house wall."),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="where the PNGs go (default: docs/)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidscan-shot-") as tmp:
        report_dir = make_report(Path(tmp))
        for scheme, png in screenshots(report_dir / "report.html").items():
            path = args.out / f"report-{scheme}.png"
            path.write_bytes(png)
            print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {len(png) // 1024} KB")
    return 0


# --- the report -----------------------------------------------------------------------------------------


def keyframe_times() -> tuple[list[float], float]:
    """The keyframes' times and the video's duration, as `vidscan analyze` will choose them."""
    listing = subprocess.run(
        [sys.executable, "-m", "vidscan", "keyframes", str(VIDEO), "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    listed = json.loads(listing.stdout)
    times = [float(kf["time"]) for kf in listed["keyframes"]]
    if len(times) != len(CAPTIONS):
        sys.exit(f"bikes.mp4 now has {len(times)} keyframes, CAPTIONS describes {len(CAPTIONS)}: update them")
    return times, float(listed["video"]["duration"])


def signature(image: Image.Image) -> Image.Image:
    return image.convert("L").resize((32, 16), Image.Resampling.BILINEAR)


def frame_at(seconds: float) -> Image.Image:
    jpeg = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{seconds:.3f}",
            "-i",
            str(VIDEO),
            "-frames:v",
            "1",
            "-f",
            "mjpeg",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(jpeg))


def make_report(work: Path) -> Path:
    times, duration = keyframe_times()
    references = [signature(frame_at(t)) for t in times]

    def caption_for(image: Image.Image, request: dict[str, Any]) -> dict[str, Any]:
        # Requests arrive in any order (several in flight): the frame itself says which keyframe it is.
        probe = signature(image)
        distances = [ImageStat.Stat(ImageChops.difference(probe, ref)).mean[0] for ref in references]
        return CAPTIONS[distances.index(min(distances))]

    def summary_for(request: dict[str, Any]) -> dict[str, Any]:
        ends = [*times[1:], duration]
        return {
            "title": "Bicycles and traffic on a city street",
            "overview": "A short montage of a busy street: traffic seen from above and at dusk, a cyclist "
            "waiting at the kerb, then bicycles parked along railings, walls and racks.",
            "chapters": [
                {
                    "start": times[first] if first else 0.0,
                    "end": ends[last - 1],
                    "title": title,
                    "summary": text,
                }
                for first, last, title, text in CHAPTERS
            ],
            "events": [{"time": times[i], "description": text, "keyframes": [i]} for i, text in EVENTS],
        }

    try:
        server = FakeOllama(port=11434).start()  # the usual address, so the header looks like a real run
    except OSError:
        server = FakeOllama().start()
    try:
        server.caption_for = caption_for
        server.summary_for = summary_for
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "vidscan",
                "analyze",
                str(VIDEO),
                "--out",
                str(work),
                "--host",
                server.url,
                "-q",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "VIDSCAN_CACHE_DIR": str(work / "cache"), "PYTHONPATH": str(REPO)},
        )
    finally:
        server.stop()
    if result.returncode != 0:
        sys.exit(f"vidscan analyze failed ({result.returncode}): {result.stderr}")
    return work / "bikes"


# --- the screenshots ------------------------------------------------------------------------------------


def screenshots(page: Path) -> dict[str, bytes]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ]:
        options.add_argument(argument)
    options.add_argument(f"--window-size={WIDTH},900")
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    try:
        driver.get(page.as_uri())
        WebDriverWait(driver, 10).until(
            lambda d: d.execute_script("return document.documentElement.matches('.js-ready')")
        )
        # The window taller than the page (its frame takes some height): one screenshot shows it all.
        height = min(int(driver.execute_script("return document.documentElement.scrollHeight")), MAX_HEIGHT)
        driver.set_window_size(WIDTH, height + 200)
        shots = {}
        for scheme in ("light", "dark"):
            driver.execute_cdp_cmd(
                "Emulation.setEmulatedMedia",
                {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
            )
            shots[scheme] = small_png(driver.get_screenshot_as_png(), height)
        return shots
    finally:
        driver.quit()


def small_png(png: bytes, height: int) -> bytes:
    """The page (WIDTH x height) in 256 colours (photos dither well), optimised for a README."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.crop((0, 0, min(image.width, WIDTH), min(image.height, height)))
    for colours in (256, 192, 128):
        buffer = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(
            buffer, format="PNG", optimize=True
        )
        if buffer.tell() <= MAX_PNG_BYTES:
            break
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main())
