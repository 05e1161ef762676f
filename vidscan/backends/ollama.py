"""Ollama through its official client.

The 0.6.3 client raises builtin ConnectionError for non-streaming calls when the server is down, raw
httpx errors for streaming calls and timeouts, and ollama.ResponseError for HTTP errors: all of them
become vidscan errors here, so nothing above this module sees client types.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import httpx
import ollama

from ..errors import ModelNotFound, ModelReplyError
from .base import Backend, ChatReply, Message, ModelInfo, ServerDown, TransientError

DEFAULT_HOST = "http://127.0.0.1:11434"


def resolve_host(host: str | None) -> str:
    """--host, else $OLLAMA_HOST, else the local default; 'example.com' means port 11434 as in Ollama."""
    raw = (host or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST).strip().rstrip("/")
    if "://" not in raw:
        raw = "http://" + raw
    parsed = urlparse(raw)
    if parsed.port is None:
        raw = f"{parsed.scheme}://{parsed.hostname or '127.0.0.1'}:11434{parsed.path}"
    return raw


class OllamaBackend(Backend):
    name = "ollama"
    label = "Ollama server"
    start_hint = "start it with `ollama serve`, or point --host / OLLAMA_HOST at a running one"

    def __init__(
        self, host: str | None = None, timeout: float = 300.0, retries: int = 3, api_key: str | None = None
    ) -> None:
        super().__init__(resolve_host(host), timeout, retries)
        # Fail fast when nobody listens (connect timeout), but give a slow model its time to answer.
        self._client = ollama.Client(host=self.host, timeout=httpx.Timeout(timeout, connect=3.0))

    def version(self) -> str:
        try:
            reply = httpx.get(f"{self.host}/api/version", timeout=httpx.Timeout(5.0, connect=2.0))
            reply.raise_for_status()
            return str(reply.json().get("version", "unknown"))
        except httpx.HTTPError as exc:
            raise self.unreachable(exc) from None

    def show(self, model: str) -> ModelInfo:
        try:
            reply = self._client.show(model)
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise self._not_pulled(model) from None
            raise ModelReplyError(f"{self.host} could not describe model {model!r}: {exc.error}") from None
        except (ConnectionError, httpx.HTTPError) as exc:
            raise self.unreachable(exc) from None
        return ModelInfo(model, self._digest(model), tuple(reply.capabilities or ()))

    def _not_pulled(self, model: str) -> ModelNotFound:
        return ModelNotFound(
            f"model {model!r} is not pulled on {self.host}: run `ollama pull {model}` (or add --pull)"
        )

    def _digest(self, model: str) -> str:
        """The model's digest from /api/tags (show does not carry it); '' if unknown."""
        try:
            for entry in self._client.list().models:
                if entry.model in (model, f"{model}:latest"):
                    return str(entry.digest or "")
        except (ollama.ResponseError, ConnectionError, httpx.HTTPError):
            pass
        return ""

    def pull(self, model: str, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Pull a model, reporting (status, completed, total) as the server streams it."""
        try:
            for update in self._client.pull(model, stream=True):
                if progress:
                    progress(update.status or "", int(update.completed or 0), int(update.total or 0))
        except ollama.ResponseError as exc:
            raise ModelNotFound(f"could not pull {model!r} from {self.host}: {exc.error}") from None
        except (ConnectionError, httpx.HTTPError) as exc:
            raise self.unreachable(exc) from None

    def _chat_once(
        self, model: str, messages: list[Message], schema: dict, num_ctx: int, num_predict: int
    ) -> ChatReply:
        with self._mapped_errors(model):
            response = self._client.chat(
                model=model,
                messages=messages,
                format=schema,
                stream=False,
                options={"temperature": 0, "seed": 42, "num_ctx": num_ctx, "num_predict": num_predict},
                keep_alive="10m",
            )
        return ChatReply(
            content=response.message.content or "",
            done_reason=response.done_reason,
            load_seconds=(response.load_duration or 0) / 1e9,
        )

    def _embed_once(self, model: str, texts: list[str]) -> list[list[float]]:
        with self._mapped_errors(model):
            # truncate: a moment longer than the model's context is cut, not refused
            response = self._client.embed(model=model, input=texts, truncate=True, keep_alive="10m")
        vectors = [list(v) for v in response.embeddings]
        if len(vectors) != len(texts):
            raise TransientError(f"{self.host} sent {len(vectors)} embeddings for {len(texts)} texts")
        return vectors

    @contextmanager
    def _mapped_errors(self, model: str) -> Iterator[None]:
        """The client's exceptions as ours: transient faults are retried, the rest say what to do."""
        try:
            yield
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise self._not_pulled(model) from None
            # 499: the server dropped the request (e.g. while shutting down); -1: an error line mid-stream.
            if exc.status_code >= 500 or exc.status_code in (-1, 429, 499):
                raise TransientError(f"{self.host} answered {exc.status_code}: {exc.error}") from None
            raise ModelReplyError(
                f"{self.host} refused the request ({exc.status_code}): {exc.error}"
            ) from None
        except (ConnectionError, httpx.ConnectError) as exc:
            raise ServerDown(str(self.unreachable(exc))) from None
        except httpx.TimeoutException:
            raise TransientError(f"no answer from {self.host} within {self.timeout:g}s (--timeout)") from None
        except httpx.HTTPError as exc:
            raise ServerDown(str(self.unreachable(exc))) from None
