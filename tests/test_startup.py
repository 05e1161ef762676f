"""A quick start: the commands that should answer at once load none of the heavy libraries, and the
keyframe pass loads nothing of the model side. (What the user waits for is time, which a shared machine
cannot assert; what takes it is these imports: benchmarks/startup.py measures them.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLE_VIDEOS
from tests.fake_ollama import FakeOllama

# Each costs 0.05-0.45 s to import on a 2-core machine (ollama with httpx: 0.4 s; PySceneDetect, as
# imported by anyone but vidscan, runs ffmpeg as it loads).
HEAVY = {"cv2", "scenedetect", "numpy", "ollama", "httpx", "httpcore", "pydantic", "jinja2", "PIL", "tqdm"}
MODEL_SIDE = {"ollama", "httpx", "httpcore", "pydantic", "jinja2", "PIL"}


def _run_loading(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`python -m vidscan ARGS` as a user runs it, and the top-level packages it imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "vidscan", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    loaded = {m.group(1).split(".")[0] for m in re.finditer(r"^import time:.*\|\s*(\S+)$", proc.stderr, re.M)}
    return proc, loaded


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["cache", "info"],
        ["analyze", "v.mp4", "--fail-on", "3"],
        ["analyze", "v.mp4", "--min-coverage", "-1"],
        ["analyze", "missing.mp4"],
        ["keyframes", "missing.mp4"],
        ["search"],
        ["search", "a red car", "--limit", "0"],
        ["index", "--timeout", "0"],
        ["ask", "v.mp4", "why", "now"],
    ],
    ids=[
        "help",
        "cache-info",
        "fail-on",
        "min-coverage",
        "analyze-missing-video",
        "keyframes-missing-video",
        "search-no-query",
        "search-limit",
        "index-timeout",
        "ask-too-many",
    ],
)
def test_quick_commands_and_argument_errors_load_no_heavy_library(args: list[str]) -> None:
    proc, loaded = _run_loading(*args)
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_doctor_asks_the_server_without_the_model_clients(fake_ollama: FakeOllama) -> None:
    proc, loaded = _run_loading("doctor", "--host", fake_ollama.url)
    assert proc.returncode == 0 and "vision model   qwen2.5vl:3b is pulled" in proc.stdout, proc.stdout
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_the_keyframe_pass_loads_nothing_of_the_model_side() -> None:
    proc, loaded = _run_loading("keyframes", str(SAMPLE_VIDEOS / "bikes.mp4"))
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) >= 5, proc.stderr
    assert {"cv2", "scenedetect"} <= loaded and not loaded & MODEL_SIDE, sorted(loaded & MODEL_SIDE)


def test_pyscenedetect_loads_without_starting_an_ffmpeg_and_still_finds_it() -> None:
    # PySceneDetect's package runs `ffmpeg -v quiet` as it loads (0.07-0.17 s with Debian's ffmpeg) for
    # a video output vidscan never uses; the detectors load with a look-up on PATH instead.
    script = (
        "import sys\n"
        "started = []\n"
        "sys.addaudithook(lambda e, a: started.append(list(a[1])) if e == 'subprocess.Popen' else None)\n"
        "import vidscan.keyframes.scenes\n"
        "import scenedetect.output.video as video, scenedetect.platform as platform\n"
        "print(started, video.is_ffmpeg_available(), platform.get_ffmpeg_path.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=True,
    ).stdout.split()
    # No process started; PySceneDetect's own output still finds ffmpeg, and its check is its own again.
    assert out == ["[]", "True", "get_ffmpeg_path"]
