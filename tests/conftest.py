"""Shared fixtures: the fake Ollama server, synthetic videos with known cuts, and running the real CLI."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.synthetic import encode

if TYPE_CHECKING:
    from tests.fake_ollama import FakeOllama

REPO = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = REPO.parent / "shared" / "videos"
SAMPLE_VIDEOS = REPO / "sample_videos"


def shared_video(relative: str) -> Path:
    path = SHARED_VIDEOS / relative
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared clips live in ../shared/videos)")
    return path


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    from tests.fake_ollama import FakeOllama

    with FakeOllama() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_error_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test that logs at ERROR: errors must reach the user as messages, not stray logs."""
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    monkeypatch.delenv("VIDSCAN_DEBUG", raising=False)
    # Models load from local files only: a test that tried to download one would fail, not reach out.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # Never touch the user's real cache; each test starts with an empty one.
    monkeypatch.setenv("VIDSCAN_CACHE_DIR", str(tmp_path / "vidscan-cache"))


@dataclass(frozen=True)
class Shot:
    colour: str
    seconds: float
    pattern: bool = True  # a moving test pattern over the colour; else still colour bars on it
    flat: bool = False  # neither: one colour (as black between two fades), which shows nothing


def make_video(
    path: Path, shots: list[Shot], size: str = "320x240", fps: int = 25, extra: list[str] | None = None
) -> Path:
    """An H.264 clip made of shots with exact cut times (lavfi sources, concatenated)."""
    inputs: list[str] = []
    for shot in shots:
        inputs += ["-f", "lavfi", "-i", f"color=c={shot.colour}:s={size}:r={fps}:d={shot.seconds}"]
        if not shot.flat:  # moving, or still colour bars
            source = "testsrc2" if shot.pattern else "smptebars"
            inputs += ["-f", "lavfi", "-i", f"{source}=s=160x120:r={fps}:d={shot.seconds}"]
    # Overlay each pattern on its colour, then concatenate the shots.
    graph: list[str] = []
    labels: list[str] = []
    index = 0
    for i, shot in enumerate(shots):
        base = index
        index += 1
        if shot.flat:
            graph.append(f"[{base}:v]null[s{i}]")
        else:  # one colour is never sent to the model: still shots get colour bars
            x = "mod(t*40,160)" if shot.pattern else "80"
            graph.append(f"[{base}:v][{index}:v]overlay=x='{x}':y=60[s{i}]")
            index += 1
        labels.append(f"[s{i}]")
    graph.append(f"{''.join(labels)}concat=n={len(shots)}:v=1:a=0")
    return encode(path, inputs, ";".join(graph), keyframe_every=fps, extra=extra)


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def _cli_env(env: dict[str, str] | None) -> dict[str, str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("OLLAMA_HOST", None)
    return full_env


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 240
) -> CliResult:
    """Run `python -m vidscan ARGS` in a real subprocess, as a user would."""
    proc = subprocess.run(
        [sys.executable, "-m", "vidscan", *args],
        capture_output=True,
        text=True,
        env=_cli_env(env),
        cwd=cwd,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored, and children inherit that: a test suite run
    # that way would see the CLI ignore the test's Ctrl-C. A user's terminal delivers it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_cli(*args: str) -> subprocess.Popen[str]:
    """`python -m vidscan ARGS` started in the background, to be signalled or killed by the test."""
    return subprocess.Popen(
        [sys.executable, "-m", "vidscan", *args],
        env=_cli_env(None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def open_at_once(opener: str, tmp_path: Path, processes: int = 4, rounds: int = 10) -> None:
    """Run `opener` (Python, after `import pathlib, sys`; sys.argv[1] is a new folder) in `processes`
    processes that start it at the same moment, `rounds` times: each must exit 0."""
    script = (
        "import pathlib, sys\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n" + opener  # all at once: when the test says go
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for round_ in range(rounds):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(folder)],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(processes)
        ]
        for run in runs:
            assert run.stdout is not None and run.stdout.readline() == b"ready\n"
        for run in runs:
            assert run.stdin is not None
            run.stdin.write(b"go\n")
            run.stdin.flush()
        for run in runs:
            _, stderr = run.communicate(timeout=120)
            assert run.returncode == 0, stderr.decode()
