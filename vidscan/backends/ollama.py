"""Ollama through its official client, and its model facts over plain HTTP.

The 0.6.3 client raises builtin ConnectionError for non-streaming calls when the server is down, raw
httpx errors for streaming calls and timeouts, and ollama.ResponseError for HTTP errors: all of them
become vidscan errors here, so nothing above this module sees client types. The client and httpx take
0.4 s to import, so the facts (version, show, tags), all `vidscan doctor` asks, are read with the
standard library, and the client is loaded for the first chat, embedding or pull.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..errors import ModelNotFound, ModelReplyError, ModelServerUnreachable
from .base import Backend, ChatReply, Message, ModelInfo, ServerDown, TransientError

if TYPE_CHECKING:
    import ollama

DEFAULT_HOST = "http://127.0.0.1:11434"
# Seconds a model fact may take: the server answers them from what it has on disk, never loading a model.
_FACTS_TIMEOUT = 10.0


def resolve_host(host: str | None) -> str:
    """--host, else $OLLAMA_HOST, else the local default; 'example.com' means port 11434 as in Ollama."""
    raw = (host or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST).strip().rstrip("/")
    if "://" not in raw:
        raw = "http://" + raw
    parsed = urlparse(raw)
    if parsed.port is None:
        raw = f"{parsed.scheme}://{parsed.hostname or '127.0.0.1'}:11434{parsed.path}"
    return raw


class HTTPStatusError(Exception):
    """The server answered a model fact with an HTTP error status."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


class OllamaBackend(Backend):
    name = "ollama"
    label = "Ollama server"
    start_hint = "start it with `ollama serve`, or point --host / OLLAMA_HOST at a running one"

    def __init__(
        self, host: str | None = None, timeout: float = 300.0, retries: int = 3, api_key: str | None = None
    ) -> None:
        super().__init__(resolve_host(host), timeout, retries)
        self._made_client: ollama.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def _client(self) -> ollama.Client:
        with self._client_lock:
            if self._made_client is None:
                import httpx
                import ollama

                # Fail fast when nobody listens (connect timeout), but give a slow model its time to answer.
                timeout = httpx.Timeout(self.timeout, connect=3.0)
                self._made_client = ollama.Client(host=self.host, timeout=timeout)
            return self._made_client

    def _fact(self, path: str, body: dict[str, Any] | None = None, timeout: float = _FACTS_TIMEOUT) -> Any:
        """The JSON the server answers at `path` (a POST of `body` when given, else a GET)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.host}{path}", data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                return json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise HTTPStatusError(exc.code, _error_text(exc)) from None
        except urllib.error.URLError as exc:
            reason = exc.reason if isinstance(exc.reason, BaseException) else exc
            raise self.unreachable(reason) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise self.unreachable(exc) from None

    def version(self) -> str:
        try:
            return str(self._fact("/api/version", timeout=5.0).get("version", "unknown"))
        except HTTPStatusError as exc:
            raise self.unreachable(exc) from None

    def show(self, model: str) -> ModelInfo:
        try:
            reply = self._fact("/api/show", {"model": model})
        except HTTPStatusError as exc:
            if exc.status == 404:
                raise self._not_pulled(model) from None
            raise ModelReplyError(f"{self.host} could not describe model {model!r}: {exc.error}") from None
        return ModelInfo(model, self._digest(model), tuple(reply.get("capabilities") or ()))

    def _not_pulled(self, model: str) -> ModelNotFound:
        return ModelNotFound(
            f"model {model!r} is not pulled on {self.host}: run `ollama pull {model}` (or add --pull)"
        )

    def _digest(self, model: str) -> str:
        """The model's digest from /api/tags (show does not carry it); '' if unknown."""
        try:
            for entry in self._fact("/api/tags").get("models") or ():
                if entry.get("model") in (model, f"{model}:latest"):
                    return str(entry.get("digest") or "")
        except (HTTPStatusError, ModelServerUnreachable):
            pass
        return ""

    def pull(self, model: str, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Pull a model, reporting (status, completed, total) as the server streams it."""
        import httpx
        import ollama

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
        import httpx
        import ollama

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


def _error_text(exc: urllib.error.HTTPError) -> str:
    """Ollama's own message ({"error": "..."}) when the body has one, else the HTTP reason."""
    try:
        return str(json.loads(exc.read()).get("error") or exc.reason)
    except (OSError, ValueError, AttributeError):
        return str(exc.reason)
