"""Against a real Ollama server, when there is one: VIDSCAN_TEST_OLLAMA_HOST=http://host:11434 (and
optionally VIDSCAN_TEST_VLM, default qwen2.5vl:3b). Skipped otherwise: CI has no GPU and no Ollama."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_VIDEOS, run_cli

HOST = os.environ.get("VIDSCAN_TEST_OLLAMA_HOST")
VLM = os.environ.get("VIDSCAN_TEST_VLM", "qwen2.5vl:3b")

pytestmark = [
    pytest.mark.ollama,
    pytest.mark.skipif(not HOST, reason="set VIDSCAN_TEST_OLLAMA_HOST to run against a real Ollama"),
]


def test_doctor_against_the_real_server() -> None:
    result = run_cli("doctor", "--host", str(HOST), "--vlm", VLM)
    assert result.code == 0, result.stdout


def test_analyze_with_a_real_vision_model(tmp_path: Path) -> None:
    result = run_cli(
        "analyze",
        str(SAMPLE_VIDEOS / "bikes.mp4"),
        "--out",
        str(tmp_path),
        "--host",
        str(HOST),
        "--vlm",
        VLM,
        timeout=1800,
    )
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "bikes" / "report.json").read_text())
    assert all(k["caption"]["description"] for k in report["keyframes"])
    assert report["summary"]["events"]
    # a street scene with bicycles: a real model names them somewhere
    text = json.dumps(report).lower()
    assert "bicycle" in text or "bike" in text
