"""The OpenAI-compatible backend against the test server's /v1 dialect (as Ollama's own /v1 serves it)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_VIDEOS, Shot, make_video, run_cli
from tests.fake_ollama import ERR_RUNNER_STOPPED, FakeOllama
from vidscan import Options, analyze
from vidscan.backends import BACKENDS, OpenAIBackend, make_backend
from vidscan.errors import ModelNotFound, UsageError

BIKES = SAMPLE_VIDEOS / "bikes.mp4"
COLOURS = ["red", "blue", "green", "yellow", "magenta", "cyan", "white", "orange", "purple", "brown"]


def test_registry_names_both_backends() -> None:
    assert set(BACKENDS) == {"ollama", "openai"}
    with pytest.raises(UsageError, match="unknown backend"):
        make_backend("nope", None)


def test_analyze_through_the_openai_dialect(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    result = run_cli(
        "analyze",
        str(BIKES),
        "--out",
        str(tmp_path),
        "--backend",
        "openai",
        "--host",
        f"{fake_ollama.url}/v1",
        "--api-key",
        "secret",
    )
    assert result.code == 0, result.stderr
    chats = fake_ollama.requests_to("/v1/chat/completions")
    assert chats and len(fake_ollama.images) == len(chats) - 1  # every frame, then the summary
    first = chats[0]
    parts = first["messages"][-1]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert first["response_format"]["type"] == "json_schema"
    report = json.loads((tmp_path / "bikes" / "report.json").read_text())
    assert all("mostly" in k["caption"]["description"] for k in report["keyframes"])
    assert report["summary"]["events"]


def test_openai_errors_map_like_ollama_ones(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    backend = OpenAIBackend(f"{fake_ollama.url}/v1", timeout=5)
    with pytest.raises(ModelNotFound, match="not served"):
        backend.require("missing:1b")
    fake_ollama.fail_next(1, 500, ERR_RUNNER_STOPPED)  # retried
    options = Options(
        out=tmp_path, backend="openai", host=f"{fake_ollama.url}/v1", parallel=1, use_cache=False
    )
    assert analyze(str(BIKES), options).exit_code == 0
    fake_ollama.fail_next(1, 400, "invalid request")  # not retried: that frame keeps the error
    result = analyze(str(BIKES), replace(options, force=True))
    assert result.exit_code == 3
    assert sum(1 for k in result.data["keyframes"] if k["error"] and "invalid request" in k["error"]) == 1


def test_openai_server_down_is_a_partial_report(tmp_path: Path) -> None:
    with FakeOllama() as server:
        url = server.url
    result = run_cli(
        "analyze", str(BIKES), "--out", str(tmp_path), "--backend", "openai", "--host", f"{url}/v1"
    )
    assert result.code == 3 and "cannot reach the OpenAI-compatible server" in result.stderr


def test_doctor_with_openai(fake_ollama: FakeOllama) -> None:
    result = run_cli("doctor", "--backend", "openai", "--host", f"{fake_ollama.url}/v1")
    assert result.code == 0, result.stdout
    assert "OpenAI-compatible" in result.stdout
    # Ollama's /v1 lists "embeddinggemma:latest": the name without a tag is that model, as Ollama serves it.
    assert "ok    search model   embeddinggemma is pulled" in result.stdout


def test_several_hosts_share_the_work_and_survive_one_dying(tmp_path: Path) -> None:
    """Three hosts of different speeds; the slow one dies mid-run: every frame is captioned, the fast one
    did more, and the report says how many calls each host served."""
    clip = make_video(tmp_path / "many.mp4", [Shot(c, 0.8) for c in COLOURS], size="160x120")
    with (
        FakeOllama(latency=0.05, slots=2) as fast,
        FakeOllama(latency=0.4, slots=2) as slow,
        FakeOllama(latency=0.4, slots=2) as doomed,
    ):

        def kill_doomed() -> None:
            while doomed.calls < 1:
                time.sleep(0.01)
            doomed.stop()

        threading.Thread(target=kill_doomed, daemon=True).start()
        options = Options(
            out=tmp_path / "out",
            host=fast.url,
            more_hosts=(slow.url, doomed.url),
            parallel=2,
            use_cache=False,
        )
        result = analyze(str(clip), options)
    assert result.exit_code == 0, result.data["run"]["problems"]
    assert all(k["caption"] for k in result.data["keyframes"])
    served = result.data["run"]["calls_by_host"]
    assert set(served) == {fast.url, slow.url, doomed.url}
    assert served[fast.url] > served[slow.url]
    assert sum(served.values()) == len([k for k in result.data["keyframes"] if k["duplicate_of"] is None]) + 1


def test_embeddings_through_each_backend_and_a_pool_with_a_dead_host(fake_ollama: FakeOllama) -> None:
    texts = ["a cyclist on the bridge", "a bike on the bridge", "a white van"]
    by_ollama = make_backend("ollama", fake_ollama.url).embed("embeddinggemma", texts)
    by_openai = make_backend("openai", f"{fake_ollama.url}/v1").embed("embeddinggemma:latest", texts)
    assert by_ollama == by_openai and len(by_ollama) == 3  # the same server, through either API
    with FakeOllama() as doomed:
        dead = doomed.url
    pool = make_backend("ollama", dead, timeout=5, more_hosts=(fake_ollama.url,))
    assert pool.embed("embeddinggemma", texts) == by_ollama
    assert pool.calls_by_host() == {dead: 0, fake_ollama.url: 1}
    with pytest.raises(ModelNotFound):
        make_backend("ollama", fake_ollama.url).embed("nomic-embed-text", texts)
