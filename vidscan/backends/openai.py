"""OpenAI-compatible servers: vLLM, llama.cpp's llama-server, LM Studio, Ollama's own /v1.

Images go as `data:image/jpeg;base64,...` content parts; structured output as
`response_format: {"type": "json_schema", ...}`. Errors arrive as `{"error": {"message", ...}}`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

import httpx

from ..errors import ModelCapabilityError, ModelNotFound, ModelReplyError
from .base import Backend, ChatReply, Message, ModelInfo, ServerDown, TransientError

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"


class OpenAIBackend(Backend):
    name = "openai"
    label = "OpenAI-compatible server"
    start_hint = "start it (e.g. `vllm serve MODEL` or `llama-server -m MODEL.gguf`), or fix --host"

    def __init__(
        self, host: str | None = None, timeout: float = 300.0, retries: int = 3, api_key: str | None = None
    ) -> None:
        base = (host or os.environ.get("VIDSCAN_OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if "://" not in base:
            base = "http://" + base
        super().__init__(base, timeout, retries)
        key = api_key or os.environ.get("VIDSCAN_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._schema_style = "json_schema"  # the OpenAI way; "json_object" + schema for llama-cpp-python
        self._http = httpx.Client(base_url=base, headers=headers, timeout=httpx.Timeout(timeout, connect=3.0))

    def _models(self) -> list[dict[str, Any]]:
        try:
            reply = self._http.get("/models", timeout=httpx.Timeout(10.0, connect=3.0))
        except httpx.HTTPError as exc:
            raise self.unreachable(exc) from None
        if reply.status_code >= 400:
            raise ModelReplyError(f"{self.host}/models answered {reply.status_code}: {_error_text(reply)}")
        data = reply.json().get("data") or []
        return [m for m in data if isinstance(m, dict)]

    def version(self) -> str:
        return f"OpenAI-compatible API serving {len(self._models())} model(s)"

    def show(self, model: str) -> ModelInfo:
        models = {m.get("id"): m for m in self._models()}
        if model not in models and f"{model}:latest" in models:
            # Ollama's /v1 lists each model with its tag, and serves a name without one as its latest.
            models[model] = models[f"{model}:latest"]
        if model not in models:
            served = ", ".join(sorted(str(k) for k in models)) or "none"
            raise ModelNotFound(f"model {model!r} is not served by {self.host} (it serves: {served})")
        # No digest in this API: the creation time stands for the model's version in cache keys.
        entry = models[model]
        return ModelInfo(model, f"{model}@{entry.get('created', '')}", ())

    def pull(self, model: str, progress: Callable[[str, int, int], None] | None = None) -> None:
        raise ModelNotFound(f"{self.host} cannot pull models: load {model!r} on that server and try again")

    def _chat_once(
        self, model: str, messages: list[Message], schema: dict, num_ctx: int, num_predict: int
    ) -> ChatReply:
        body = {
            "model": model,
            "messages": [_openai_message(m) for m in messages],
            "response_format": self._response_format(schema),
            "temperature": 0,
            "seed": 42,
            "max_tokens": num_predict,
            "stream": False,
        }
        reply = self._post("/chat/completions", body)
        if reply.status_code >= 400 and self._schema_style == "json_schema" and _refuses_json_schema(reply):
            # llama-cpp-python's server takes {"type": "json_object", "schema": ...} instead.
            self._schema_style = "json_object"
            reply = self._post(
                "/chat/completions", {**body, "response_format": self._response_format(schema)}
            )
        if reply.status_code >= 400:
            self._raise_for(reply, model)
        try:
            choice = reply.json()["choices"][0]
            return ChatReply(choice["message"].get("content") or "", choice.get("finish_reason"))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise TransientError(f"{self.host} sent a reply that is not a chat completion") from None

    def _embed_once(self, model: str, texts: list[str]) -> list[list[float]]:
        reply = self._post("/embeddings", {"model": model, "input": texts})
        if reply.status_code >= 400:
            self._raise_for(reply, model)
        try:
            rows = sorted(reply.json()["data"], key=lambda row: row["index"])
            vectors = [[float(x) for x in row["embedding"]] for row in rows]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise TransientError(f"{self.host} sent a reply that is not a list of embeddings") from None
        if len(vectors) != len(texts):
            raise TransientError(f"{self.host} sent {len(vectors)} embeddings for {len(texts)} texts")
        return vectors

    def _response_format(self, schema: dict) -> dict[str, Any]:
        if self._schema_style == "json_object":
            return {"type": "json_object", "schema": schema}
        return {
            "type": "json_schema",
            "json_schema": {"name": str(schema.get("title") or "reply"), "schema": schema},
        }

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        try:
            return self._http.post(path, json=body)
        except httpx.ConnectError as exc:
            raise ServerDown(str(self.unreachable(exc))) from None
        except httpx.TimeoutException:
            raise TransientError(f"no answer from {self.host} within {self.timeout:g}s (--timeout)") from None
        except httpx.HTTPError as exc:
            raise ServerDown(str(self.unreachable(exc))) from None

    def _raise_for(self, reply: httpx.Response, model: str) -> None:
        text = _error_text(reply)
        if "image input is not supported" in text:
            raise ModelCapabilityError(f"model {model!r} on {self.host} cannot read images: {text}")
        if reply.status_code == 404:
            raise ModelNotFound(f"model {model!r} is not served by {self.host}: {text}")
        if reply.status_code >= 500 or reply.status_code == 429:
            raise TransientError(f"{self.host} answered {reply.status_code}: {text}")
        raise ModelReplyError(f"{self.host} refused the request ({reply.status_code}): {text}")


def _openai_message(message: Message) -> dict[str, Any]:
    images = message.get("images") or []
    if not images:
        return {"role": message["role"], "content": message["content"]}
    parts: list[dict[str, Any]] = [{"type": "text", "text": message["content"]}]
    for image in images:
        encoded = base64.b64encode(image).decode()
        parts.append({"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{encoded}"}})
    return {"role": message["role"], "content": parts}


def _refuses_json_schema(reply: httpx.Response) -> bool:
    text = _error_text(reply)
    return "response_format" in text and "json_schema" in text


def _error_text(reply: httpx.Response) -> str:
    try:
        error = reply.json().get("error")
    except ValueError:
        return reply.text[:300]
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error or reply.text[:300])
