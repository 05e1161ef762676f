"""The fake Ollama server behaves as the real one does, seen through the real 0.6.3 client and httpx."""

from __future__ import annotations

import io
import json
import math
import threading
import time
from collections.abc import Iterator
from enum import Enum
from typing import Any

import httpx
import ollama
import pytest
from PIL import Image
from pydantic import BaseModel, Field, ValidationError

from tests.fake_ollama import (
    ERR_RUNNER_STOPPED,
    ERR_SERVER_BUSY,
    FakeOllama,
    colour_name,
    fit_to_schema,
)

VISION = "qwen2.5vl:3b"
TEXT = "qwen2.5:3b"
EMBED = "embeddinggemma:latest"


class Caption(BaseModel):
    description: str
    visible_text: str
    objects: list[str]


class Chapter(BaseModel):
    start: float
    end: float
    title: str
    summary: str


class Event(BaseModel):
    time: float
    description: str
    keyframes: list[int]


class Summary(BaseModel):
    title: str
    overview: str
    chapters: list[Chapter]
    events: list[Event]


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


RED = jpeg((255, 0, 0))


@pytest.fixture
def server() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        yield fake


@pytest.fixture
def client(server: FakeOllama) -> Iterator[ollama.Client]:
    with ollama.Client(host=server.url, timeout=httpx.Timeout(5, connect=1)) as real_client:
        yield real_client


def caption_request(image: bytes) -> dict[str, Any]:
    """The arguments vidscan sends for one frame."""
    return {
        "model": VISION,
        "messages": [{"role": "user", "content": "Describe this frame.", "images": [image]}],
        "format": Caption.model_json_schema(),
        "options": {"temperature": 0, "seed": 42, "num_ctx": 8192, "num_predict": 512},
        "keep_alive": "10m",
    }


def caption_call(client: ollama.Client, image: bytes = RED) -> ollama.ChatResponse:
    return client.chat(**caption_request(image), stream=False)


def caption_stream(client: ollama.Client, image: bytes = RED) -> list[str]:
    """The content pieces of a streamed caption call, in order."""
    return [text(part) for part in client.chat(**caption_request(image), stream=True)]


def text(reply: ollama.ChatResponse | ollama.GenerateResponse) -> str:
    content = reply.message.content if isinstance(reply, ollama.ChatResponse) else reply.response
    assert content is not None
    return content


# -- plain endpoints ------------------------------------------------------------------------------


def test_root_version_tags_and_ps_over_http(server: FakeOllama) -> None:
    with httpx.Client(base_url=server.url, timeout=5) as http:
        root = http.get("/")
        assert (root.status_code, root.text) == (200, "Ollama is running")
        assert root.headers["content-length"] == str(len("Ollama is running"))
        assert http.head("/").status_code == 200
        assert http.get("/api/version").json() == {"version": server.version}
        tags = http.get("/api/tags").json()["models"]
        assert {m["name"] for m in tags} == {VISION, TEXT, EMBED}
        assert all(m["model"] == m["name"] and len(m["digest"]) == 64 for m in tags)
        assert set(tags[0]["details"]) >= {"family", "families", "parameter_size", "quantization_level"}
        assert http.get("/api/ps").json() == {"models": []}
        missing = http.get("/api/nothing")
        assert (missing.status_code, missing.text) == (404, "404 page not found")
        assert http.get("/api/chat").status_code == 405
    assert ("GET", "/api/version", None) in server.requests


def test_list_and_show_through_the_client(server: FakeOllama, client: ollama.Client) -> None:
    listed = {m.model: m for m in client.list().models}
    assert set(listed) == {VISION, TEXT, EMBED}
    assert listed[VISION].digest == server.model(VISION).digest  # type: ignore[union-attr]
    assert client.list().models[0].digest == client.list().models[0].digest  # stable

    shown = client.show(VISION)
    assert shown.capabilities == ["completion", "vision"]
    assert shown.details is not None and shown.details.family == "qwen25vl"
    assert shown.modelinfo and shown.modelinfo["general.architecture"] == "qwen25vl"
    assert shown.modified_at is not None
    assert client.show(TEXT).capabilities == ["completion", "tools"]

    with pytest.raises(ollama.ResponseError) as missing:
        client.show("nope:1b")
    assert missing.value.status_code == 404


def test_custom_registry() -> None:
    models = {"qwen2.5vl:3b": ["completion", "vision"], "llama3.2:3b": ["completion"]}
    with FakeOllama(models=models) as fake, ollama.Client(host=fake.url, timeout=5) as real_client:
        assert {m.model for m in real_client.list().models} == set(models)
        assert real_client.show("llama3.2:3b").capabilities == ["completion"]
        # Untagged names mean ':latest', as in Ollama.
        with pytest.raises(ollama.ResponseError) as missing:
            real_client.show("llama3.2")
        assert missing.value.status_code == 404


def test_pull_streams_progress_then_the_model_exists(server: FakeOllama, client: ollama.Client) -> None:
    progress = list(client.pull("llama3.2:3b", stream=True))
    statuses = [p.status for p in progress]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layers = [p for p in progress if p.total]
    assert layers and all(p.digest and p.digest.startswith("sha256:") for p in layers)
    assert layers[-1].completed == layers[-1].total
    assert "llama3.2:3b" in {m.model for m in client.list().models}

    assert client.pull("moondream", stream=False).status == "success"
    assert client.show("moondream").capabilities == ["completion", "vision"]


def test_pull_of_an_unknown_name_fails_like_the_registry() -> None:
    with FakeOllama(pullable={"llama3.2:3b": ["completion"]}) as fake:
        real_client = ollama.Client(host=fake.url, timeout=5)
        with pytest.raises(ollama.ResponseError) as streamed:
            list(real_client.pull("nosuch:1b", stream=True))
        assert streamed.value.status_code == -1
        with pytest.raises(ollama.ResponseError) as whole:
            real_client.pull("nosuch:1b")
        assert whole.value.status_code == 500 and "file does not exist" in whole.value.error
        assert real_client.pull("llama3.2:3b").status == "success"


# -- captions -------------------------------------------------------------------------------------


def test_caption_names_the_colour_and_size_of_the_image_sent(
    server: FakeOllama, client: ollama.Client
) -> None:
    reply = caption_call(client)
    caption = Caption.model_validate_json(text(reply))
    assert "red" in caption.description and "64x48" in caption.description
    assert caption.objects == ["red area"] and caption.visible_text == ""
    assert reply.done and reply.done_reason == "stop"
    assert reply.eval_count and reply.total_duration and reply.prompt_eval_count
    assert [image.size for image in server.images] == [(64, 48)]
    assert server.calls == 1 and server.calls_by_model == {VISION: 1}
    sent = server.requests_to("/api/chat")[0]
    assert sent["stream"] is False and sent["options"]["num_ctx"] == 8192
    assert not sent["messages"][0]["images"][0].startswith("data:")


def test_a_different_image_gives_a_different_caption(server: FakeOllama, client: ollama.Client) -> None:
    red = Caption.model_validate_json(text(caption_call(client)))
    blue = Caption.model_validate_json(text(caption_call(client, jpeg((0, 0, 255), (32, 40)))))
    assert "blue" in blue.description and "32x40" in blue.description
    assert red.description != blue.description
    assert [image.size for image in server.images] == [(64, 48), (32, 40)]


def test_caption_hook_and_generate_with_top_level_images(server: FakeOllama, client: ollama.Client) -> None:
    server.caption_for = lambda image, request: {"description": f"hook {image.size}", "objects": []}
    reply = client.generate(VISION, "Describe.", images=[RED], format="json", stream=False)
    assert json.loads(text(reply)) == {"description": "hook (64, 48)", "objects": []}
    assert reply.done_reason == "stop" and reply.context


def test_extra_schema_fields_get_type_correct_defaults(client: ollama.Client) -> None:
    class Mood(str, Enum):
        calm = "calm"
        tense = "tense"

    class Rich(BaseModel):
        description: str
        people: int
        mood: Mood
        confidence: float
        tags: list[str]
        indoor: bool
        note: str | None = None
        scores: list[int] = Field(min_length=1)

    reply = client.chat(
        VISION,
        messages=[{"role": "user", "content": "Describe.", "images": [RED]}],
        format=Rich.model_json_schema(),
        stream=False,
    )
    rich = Rich.model_validate_json(text(reply))
    assert "red" in rich.description and rich.people == 0 and rich.mood is Mood.calm
    assert rich.scores == [0]


def test_fit_to_schema_keeps_what_fits() -> None:
    schema = Summary.model_json_schema()
    value = {"title": 3, "events": [{"time": 1, "description": "x", "keyframes": [1.0]}], "extra": 1}
    fitted = fit_to_schema(value, schema)
    assert set(fitted) == {"title", "overview", "chapters", "events"}
    assert fitted["title"] == "3" and fitted["events"] == [{"time": 1, "description": "x", "keyframes": [1]}]
    assert colour_name(128, 128, 128) == "gray" and colour_name(250, 250, 0) == "yellow"


def test_text_only_model_ignores_images_and_no_format_gives_text(client: ollama.Client) -> None:
    reply = client.chat(TEXT, messages=[{"role": "user", "content": "What is this?", "images": [RED]}])
    assert isinstance(text(reply), str) and "red" not in text(reply)
    plain = client.chat(VISION, messages=[{"role": "user", "content": "What?", "images": [RED]}])
    assert text(plain).startswith("A 64x48 frame, mostly red")


# -- streaming and reply shapes -------------------------------------------------------------------


def test_chat_streams_ndjson_by_default(server: FakeOllama) -> None:
    body = {"model": VISION, "messages": [{"role": "user", "content": "hi"}]}
    with (
        httpx.Client(base_url=server.url, timeout=5) as http,
        http.stream("POST", "/api/chat", json=body) as r,
    ):
        assert r.headers["content-type"] == "application/x-ndjson"
        assert r.headers.get("transfer-encoding") == "chunked"
        chunks = [json.loads(line) for line in r.iter_lines() if line]
    assert len(chunks) >= 2 and all(c["done"] is False for c in chunks[:-1])
    final = chunks[-1]
    assert final["done"] is True and final["done_reason"] == "stop" and final["message"]["content"] == ""
    assert {"total_duration", "load_duration", "eval_count", "eval_duration"} <= set(final)
    assert "".join(c["message"]["content"] for c in chunks) == "This is a fake reply from qwen2.5vl:3b."


def test_non_streaming_reply_shapes_match_the_real_server(server: FakeOllama) -> None:
    metrics = [
        "total_duration",
        "load_duration",
        "prompt_eval_count",
        "prompt_eval_duration",
        "eval_count",
        "eval_duration",
    ]
    with httpx.Client(base_url=server.url, timeout=5) as http:
        chat = http.post(
            "/api/chat",
            json={"model": VISION, "messages": [{"role": "user", "content": "hi"}], "stream": False},
        )
        assert chat.headers["content-type"] == "application/json; charset=utf-8"
        assert list(chat.json()) == ["model", "created_at", "message", "done_reason", "done", *metrics]
        assert chat.json()["message"]["role"] == "assistant"
        generate = http.post("/api/generate", json={"model": TEXT, "prompt": "hi", "stream": False}).json()
        assert list(generate) == [
            "model",
            "created_at",
            "response",
            "done",
            "done_reason",
            "context",
            *metrics,
        ]
        # An empty request only loads the model; keep_alive 0 unloads it.
        load = http.post("/api/generate", json={"model": TEXT}).json()
        assert load["done_reason"] == "load" and load["response"] == ""
        assert TEXT in [m["name"] for m in http.get("/api/ps").json()["models"]]
        unload = http.post("/api/chat", json={"model": TEXT, "messages": [], "keep_alive": 0}).json()
        assert unload["done_reason"] == "unload"
        assert [m["name"] for m in http.get("/api/ps").json()["models"]] == [VISION]


def test_generate_streams_by_default_through_the_client(client: ollama.Client) -> None:
    parts = list(client.generate(TEXT, "hello", stream=True))
    assert parts[-1].done and parts[-1].done_reason == "stop" and not any(p.done for p in parts[:-1])


# -- errors the real server gives -----------------------------------------------------------------


def test_unknown_model_is_a_404(server: FakeOllama, client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as missing:
        client.chat("llava:13b", messages=[{"role": "user", "content": "hi"}])
    assert missing.value.status_code == 404
    assert missing.value.error == 'model "llava:13b" not found, try pulling it first'
    with pytest.raises(ollama.ResponseError) as streamed:
        list(client.generate("llava:13b", "hi", stream=True))
    assert streamed.value.status_code == 404
    assert server.calls == 2 and server.images == []


def test_request_validation_like_the_real_server(server: FakeOllama) -> None:
    with httpx.Client(base_url=server.url, timeout=5) as http:
        no_model = http.post("/api/chat", json={"messages": []})
        assert (no_model.status_code, no_model.json()) == (400, {"error": "model is required"})
        broken = http.post(
            "/api/generate", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert broken.status_code == 400 and "invalid character" in broken.json()["error"]
        empty = http.post("/api/chat", content=b"")
        assert (empty.status_code, empty.json()["error"]) == (400, "missing request body")
        bad_image = http.post(
            "/api/chat",
            json={"model": VISION, "messages": [{"role": "user", "content": "x", "images": ["data:x"]}]},
        )
        assert bad_image.status_code == 400 and "illegal base64" in bad_image.json()["error"]
        for bad_format in ("xml", 5, ["json"]):
            reply = http.post(
                "/api/generate", json={"model": TEXT, "prompt": "hi", "format": bad_format, "stream": False}
            )
            # As in ollama's routes.go: the runner's format error reaches the client without a status: 500.
            assert reply.status_code == 500
            assert reply.json()["error"].startswith("invalid format: ")
            assert reply.json()["error"].endswith('expected "json" or a valid JSON Schema object')
        assert (
            http.post("/api/generate", json={"model": TEXT, "prompt": "hi", "format": ""}).status_code == 200
        )


def test_capability_mismatch() -> None:
    with FakeOllama(models={"nomic-embed-text:latest": ["embedding"]}) as fake:
        real_client = ollama.Client(host=fake.url, timeout=5)
        with pytest.raises(ollama.ResponseError) as chat:
            real_client.chat("nomic-embed-text", messages=[{"role": "user", "content": "hi"}])
        assert (chat.value.status_code, chat.value.error) == (400, '"nomic-embed-text" does not support chat')
        with pytest.raises(ollama.ResponseError) as generate:
            real_client.generate("nomic-embed-text", "hi")
        assert generate.value.error == '"nomic-embed-text" does not support generate'


def test_a_stopped_server_refuses_then_comes_back_on_the_same_port(server: FakeOllama) -> None:
    real_client = ollama.Client(host=server.url, timeout=httpx.Timeout(5, connect=1))
    assert caption_call(real_client).done
    port = server.port
    server.stop()
    with pytest.raises(ConnectionError):
        caption_call(real_client)
    with pytest.raises(httpx.ConnectError):
        caption_stream(real_client)
    server.start()
    assert server.port == port
    assert Caption.model_validate_json(text(caption_call(real_client)))

    # A second server object given the port also takes over, as a restarted Ollama would.
    server.stop()
    with FakeOllama(port=port) as again:
        assert again.url == server.url
        assert real_client.list().models
    server.start()


def test_stop_is_prompt_even_with_calls_in_flight() -> None:
    fake = FakeOllama(latency=30).start()
    real_client = ollama.Client(host=fake.url, timeout=httpx.Timeout(60, connect=1))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            caption_call(real_client)
        except BaseException as error:  # the call must fail, not hang
            errors.append(error)

    worker = threading.Thread(target=call)
    worker.start()
    deadline = time.monotonic() + 5
    while fake.in_flight == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 3
    worker.join(timeout=5)
    assert not worker.is_alive() and len(errors) == 1


# -- fault injection ------------------------------------------------------------------------------


def test_fail_next_answers_the_real_error_messages(server: FakeOllama, client: ollama.Client) -> None:
    server.fail_next(1, 500, ERR_RUNNER_STOPPED)
    server.fail_next(1, 503, ERR_SERVER_BUSY)
    server.fail_next(1, 400, f'"{VISION}" does not support chat')
    expected = [(500, ERR_RUNNER_STOPPED), (503, ERR_SERVER_BUSY), (400, f'"{VISION}" does not support chat')]
    for status, message in expected:
        with pytest.raises(ollama.ResponseError) as failed:
            caption_call(client)
        assert (failed.value.status_code, failed.value.error) == (status, message)
    assert Caption.model_validate_json(text(caption_call(client)))
    assert server.calls == 4 and len(server.images) == 4  # every attempt arrived with its frame


def test_faults_do_not_hide_client_errors(server: FakeOllama, client: ollama.Client) -> None:
    server.fail_next(1, 500)
    with pytest.raises(ollama.ResponseError) as missing:
        client.chat("nope:1b", messages=[{"role": "user", "content": "hi"}])
    assert missing.value.status_code == 404
    assert len(server.pending_faults) == 1
    server.clear_faults()
    assert caption_call(client).done


def test_reply_next_sends_raw_content(server: FakeOllama, client: ollama.Client) -> None:
    server.reply_next(1, content='{"description": "cut sho')
    server.reply_next(1, content='{"description": 5}')
    server.reply_next(1, content="")
    server.reply_next(1, content='{"description": "a very long', done_reason="length")
    for _ in range(3):
        with pytest.raises(ValidationError):
            Caption.model_validate_json(text(caption_call(client)))
    cut = caption_call(client)
    assert cut.done_reason == "length" and text(cut) == '{"description": "a very long'

    big = "x" * 10_000_000
    server.reply_next(2, content=big)
    assert text(caption_call(client)) == big
    assert "".join(caption_stream(client)) == big


def test_stream_error_next_puts_an_error_line_in_a_200_stream(
    server: FakeOllama, client: ollama.Client
) -> None:
    server.stream_error_next(2, "an error was encountered while running the model: unexpected EOF")
    received: list[str] = []
    with pytest.raises(ollama.ResponseError) as mid_stream:
        for part in client.chat(**caption_request(RED), stream=True):
            received.append(text(part))
    assert mid_stream.value.status_code == -1 and "unexpected EOF" in mid_stream.value.error
    assert received and received[0]  # some content arrived before the error
    with pytest.raises(ollama.ResponseError) as whole:
        caption_call(client)
    assert whole.value.status_code == 500


def test_delay_next_outlasts_a_short_client_timeout(server: FakeOllama) -> None:
    server.delay_next(1, 3.0)
    impatient = ollama.Client(host=server.url, timeout=httpx.Timeout(0.3, connect=1))
    with pytest.raises(httpx.ReadTimeout):
        caption_call(impatient)
    assert caption_call(impatient).done  # the next call is on time


def test_drop_connections_next_closes_without_an_answer(server: FakeOllama, client: ollama.Client) -> None:
    server.drop_connections_next(1)
    with pytest.raises(httpx.RemoteProtocolError):
        caption_call(client)
    assert caption_call(client).done


def test_faults_apply_in_fifo_order(server: FakeOllama, client: ollama.Client) -> None:
    server.reply_next(1, content="first")
    server.fail_next(1, 503, ERR_SERVER_BUSY)
    server.reply_next(1, content="third")
    assert text(caption_call(client)) == "first"
    with pytest.raises(ollama.ResponseError):
        caption_call(client)
    assert text(caption_call(client)) == "third"
    assert server.pending_faults == []


# -- throughput -----------------------------------------------------------------------------------


def test_slots_and_latency_limit_concurrency() -> None:
    with FakeOllama(latency=0.3, slots=2) as fake:
        real_client = ollama.Client(host=fake.url, timeout=5)
        started = time.monotonic()
        threads = [threading.Thread(target=caption_call, args=(real_client,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        assert fake.max_concurrent_seen == 2 and fake.calls == 4 and fake.wait_idle()
        assert 0.55 < elapsed < 3


def test_a_full_queue_answers_503() -> None:
    with FakeOllama(latency=0.5, slots=1, max_queue=1) as fake:
        real_client = ollama.Client(host=fake.url, timeout=5)
        outcomes: list[object] = []

        def call() -> None:
            try:
                outcomes.append(caption_call(real_client).done)
            except ollama.ResponseError as error:
                outcomes.append(error.status_code)

        threads = [threading.Thread(target=call) for _ in range(3)]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        assert sorted(outcomes, key=str) == [503, True, True]


# -- summaries ------------------------------------------------------------------------------------

KEYFRAME_LINES = """Video "clip.mp4", 0:30.0 long. Keyframes from 0:00.0 to 0:25.0, in time order:

[#1 @ 0.00s] A 64x48 frame, mostly red (mean RGB 254,0,0).
[#3 @ 12.50s] A 64x48 frame, mostly green (mean RGB 0,255,1). | text: "EXIT"
[#4 @ 25.00s] A 64x48 frame, mostly blue (mean RGB 0,0,254).
"""


def summary_call(client: ollama.Client, prompt: str) -> Summary:
    reply = client.chat(
        TEXT,
        messages=[
            {"role": "system", "content": "You summarize videos."},
            {"role": "user", "content": prompt},
        ],
        format=Summary.model_json_schema(),
        stream=False,
    )
    return Summary.model_validate_json(text(reply))


def test_summary_echoes_tagged_keyframes(client: ollama.Client) -> None:
    summary = summary_call(client, KEYFRAME_LINES)
    assert summary.title == "Video with 3 keyframes"
    assert [(e.time, e.keyframes) for e in summary.events] == [(0.0, [1]), (12.5, [3]), (25.0, [4])]
    assert summary.events[1].description == 'A 64x48 frame, mostly green (mean RGB 0,255,1). | text: "EXIT"'
    assert [(c.start, c.end, c.title) for c in summary.chapters] == [(0.0, 25.0, "Chapter 1")]


def test_summary_echoes_chapter_lines_and_bogus_event(server: FakeOllama, client: ollama.Client) -> None:
    server.bogus_event = True
    prompt = (
        KEYFRAME_LINES + "\n[chapter 0.00s-12.00s] Red start: it is red\n[chapter 12.00s-30.00s] Rest: more\n"
    )
    summary = summary_call(client, prompt)
    assert [(c.start, c.end, c.title, c.summary) for c in summary.chapters] == [
        (0.0, 12.0, "Red start", "it is red"),
        (12.0, 30.0, "Rest", "more"),
    ]
    assert summary.events[-1].keyframes == [9999] and summary.events[-1].time == 1e6
    assert len(summary.events) == 4

    server.summary_for = lambda request: {"title": "hooked", "overview": "", "chapters": [], "events": []}
    assert summary_call(client, KEYFRAME_LINES).title == "hooked"


def test_summary_through_generate_with_system(client: ollama.Client) -> None:
    reply = client.generate(TEXT, KEYFRAME_LINES, system="Summarize.", format=Summary.model_json_schema())
    assert len(Summary.model_validate_json(text(reply)).events) == 3


def test_num_predict_cuts_long_replies_when_enforced() -> None:
    with FakeOllama(enforce_num_predict=True) as fake:
        real_client = ollama.Client(host=fake.url, timeout=5)
        reply = real_client.chat(
            TEXT,
            messages=[{"role": "user", "content": KEYFRAME_LINES}],
            format=Summary.model_json_schema(),
            options={"num_predict": 20},
        )
        assert reply.done_reason == "length" and len(text(reply)) == 80
        with pytest.raises(ValidationError):
            Summary.model_validate_json(text(reply))


def test_tiny_images_crash_the_runner_when_asked() -> None:
    with FakeOllama(min_image_side=28) as fake:
        real_client = ollama.Client(host=fake.url, timeout=5)
        with pytest.raises(ollama.ResponseError) as crashed:
            caption_call(real_client, jpeg((0, 255, 0), (20, 64)))
        assert (crashed.value.status_code, crashed.value.error) == (500, ERR_RUNNER_STOPPED)
        assert caption_call(real_client, jpeg((0, 255, 0), (28, 64))).done


# -- embeddings ---------------------------------------------------------------------------------


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embed_gives_unit_vectors_in_order_with_related_words_close(
    server: FakeOllama, client: ollama.Client
) -> None:
    texts = [
        "A cyclist rides along the river.",
        "a bike on the road",
        "A white van parks.",
        "a bike on the road",
    ]
    reply = client.embed(model="embeddinggemma", input=texts)
    vectors = reply.embeddings
    assert len(vectors) == 4 and {len(v) for v in vectors} == {768}
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-9 for v in vectors)
    assert vectors[1] == vectors[3]  # deterministic
    assert cosine(vectors[0], vectors[1]) > 0.3 > abs(cosine(vectors[1], vectors[2]))
    assert reply.model == "embeddinggemma" and reply.prompt_eval_count
    one = client.embed(model=EMBED, input="a bike", dimensions=64).embeddings
    assert len(one) == 1 and len(one[0]) == 64
    assert client.embed(model=EMBED, input=[]).embeddings == []
    assert server.embed_calls == 3 and server.embedded_texts == [*texts, "a bike"]
    assert server.calls == 0  # chat and generate only


def test_embed_errors_are_the_real_servers(server: FakeOllama, client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as missing:
        client.embed(model="nomic-embed-text", input="x")
    assert (missing.value.status_code, missing.value.error) == (404, "model 'nomic-embed-text' not found")
    with pytest.raises(ollama.ResponseError) as not_embedding:
        client.embed(model=TEXT, input="x")
    assert (
        not_embedding.value.status_code == 400 and "does not support embeddings" in not_embedding.value.error
    )
    with httpx.Client(base_url=server.url, timeout=5) as http:
        bad = http.post("/api/embed", json={"model": EMBED, "input": [1, 2]})
        assert (bad.status_code, bad.json()) == (400, {"error": "invalid input type"})
        long = http.post("/api/embed", json={"model": EMBED, "input": "word " * 3000, "truncate": False})
        assert long.status_code == 400
        cut = http.post("/api/embed", json={"model": EMBED, "input": "word " * 3000})
        assert cut.status_code == 200 and len(cut.json()["embeddings"]) == 1
    client.pull("nomic-embed-text")
    assert client.show("nomic-embed-text").capabilities == ["embedding"]
    assert client.embed(model="nomic-embed-text", input="x").embeddings


def test_embed_in_the_openai_dialect(server: FakeOllama) -> None:
    with httpx.Client(base_url=f"{server.url}/v1", timeout=5) as http:
        reply = http.post("/embeddings", json={"model": EMBED, "input": ["a bike", "a bicycle"]}).json()
        assert reply["object"] == "list" and [d["index"] for d in reply["data"]] == [0, 1]
        first, second = (d["embedding"] for d in reply["data"])
        assert cosine(first, second) > 0.99  # one concept
        missing = http.post("/embeddings", json={"model": "nope", "input": "x"})
        assert missing.status_code == 404 and missing.json()["error"]["message"] == "model 'nope' not found"


def test_answers_cite_the_moments_that_share_the_question_s_concepts(client: ollama.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "moments": {"type": "array", "items": {"type": "integer"}},
            "answered": {"type": "boolean"},
        },
        "required": ["answer", "moments", "answered"],
    }
    prompt = "QUESTION: where is the bicycle?\n[1] a van parks\n[2] a cyclist rides by\n[3] a bike and a van"
    reply = json.loads(text(client.chat(TEXT, [{"role": "user", "content": prompt}], format=schema)))
    assert reply["answered"] is True and reply["moments"] == [2, 3]
    nothing = prompt.replace("bicycle", "giraffe")
    reply = json.loads(text(client.chat(TEXT, [{"role": "user", "content": nothing}], format=schema)))
    assert reply == {"answer": "The moments do not show this.", "moments": [], "answered": False}
