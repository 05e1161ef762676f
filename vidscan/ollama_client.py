"""Talking to Ollama through the official client: model checks, pulls, and JSON-schema chat calls
with deadlines, retries for transient faults only, and one re-ask when the reply is not valid.

The 0.6.3 client raises builtin ConnectionError for non-streaming calls when the server is down, raw
httpx errors for streaming calls and timeouts, and ollama.ResponseError for HTTP errors: all of them
are turned into VidscanError subclasses here, so nothing above this module sees client types.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

import httpx
import ollama
from pydantic import BaseModel, ValidationError

from .errors import (
    ModelCapabilityError,
    ModelNotFound,
    ModelReplyError,
    ModelServerUnreachable,
    VidscanError,
)

DEFAULT_HOST = "http://127.0.0.1:11434"
T = TypeVar("T", bound=BaseModel)


def resolve_host(host: str | None) -> str:
    """--host, else $OLLAMA_HOST, else the local default; 'example.com' means port 11434 as in Ollama."""
    raw = (host or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST).strip().rstrip("/")
    if "://" not in raw:
        raw = "http://" + raw
    parsed = urlparse(raw)
    if parsed.port is None:
        raw = f"{parsed.scheme}://{parsed.hostname or '127.0.0.1'}:11434{parsed.path}"
    return raw


def is_local_host(host: str) -> bool:
    name = urlparse(host).hostname or ""
    return name in ("localhost", "::1", "0.0.0.0") or name.startswith("127.")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    digest: str
    capabilities: tuple[str, ...]


@dataclass(frozen=True)
class CallStats:
    seconds: float
    attempts: int
    load_seconds: float


class TransientError(VidscanError):
    """A failure worth retrying: connection trouble, 5xx, timeouts."""


class ServerDown(TransientError):
    """Nobody answers at the host: after retries, the run stops calling instead of failing frame by frame."""


class OllamaBackend:
    """One Ollama host. Thread-safe: the underlying httpx client is shared by worker threads."""

    def __init__(self, host: str | None = None, timeout: float = 300.0, retries: int = 3) -> None:
        self.host = resolve_host(host)
        self.timeout = timeout
        self.retries = retries
        # Fail fast when nobody listens (connect timeout), but give a slow model its time to answer.
        self._client = ollama.Client(host=self.host, timeout=httpx.Timeout(timeout, connect=3.0))
        self._lock = threading.Lock()
        self.calls = 0

    # --- server and model facts -------------------------------------------------------------
    def version(self) -> str:
        try:
            reply = httpx.get(f"{self.host}/api/version", timeout=httpx.Timeout(5.0, connect=2.0))
            reply.raise_for_status()
            return str(reply.json().get("version", "unknown"))
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from None

    def show(self, model: str) -> ModelInfo:
        try:
            reply = self._client.show(model)
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise ModelNotFound(
                    f"model {model!r} is not pulled on {self.host}: run `ollama pull {model}` (or add --pull)"
                ) from None
            raise ModelReplyError(f"{self.host} could not describe model {model!r}: {exc.error}") from None
        except (ConnectionError, httpx.HTTPError) as exc:
            raise self._unreachable(exc) from None
        digest = self._digest(model)
        return ModelInfo(model, digest, tuple(reply.capabilities or ()))

    def _digest(self, model: str) -> str:
        """The model's digest from /api/tags (show does not carry it); '' if unknown."""
        try:
            for entry in self._client.list().models:
                if entry.model in (model, f"{model}:latest"):
                    return str(entry.digest or "")
        except (ollama.ResponseError, ConnectionError, httpx.HTTPError):
            pass
        return ""

    def require(self, model: str, capability: str | None = None) -> ModelInfo:
        info = self.show(model)
        if capability and info.capabilities and capability not in info.capabilities:
            raise ModelCapabilityError(
                f"model {model!r} cannot read images (capabilities: {', '.join(info.capabilities)}): "
                "choose a vision model with --vlm, e.g. qwen2.5vl:3b"
            )
        return info

    def pull(self, model: str, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Pull a model, reporting (status, completed, total) as the server streams it."""
        try:
            for update in self._client.pull(model, stream=True):
                if progress:
                    progress(update.status or "", int(update.completed or 0), int(update.total or 0))
        except ollama.ResponseError as exc:
            raise ModelNotFound(f"could not pull {model!r} from {self.host}: {exc.error}") from None
        except (ConnectionError, httpx.HTTPError) as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: BaseException) -> ModelServerUnreachable:
        return ModelServerUnreachable(
            f"cannot reach the Ollama server at {self.host} ({type(exc).__name__}): "
            "start it with `ollama serve`, or point --host / OLLAMA_HOST at a running one"
        )

    # --- structured calls ---------------------------------------------------------------------
    def chat_json(
        self,
        model: str,
        prompt: str,
        schema: type[T],
        images: list[bytes] | None = None,
        system: str | None = None,
        num_ctx: int = 8192,
        num_predict: int = 1024,
    ) -> tuple[T, CallStats]:
        """Ask for JSON that matches `schema`; validate it; re-ask once with the validation error."""
        started = time.monotonic()
        attempts = 0
        messages: list[dict[str, Any]] = []
        if system:
            messages.append({"role": "system", "content": system})
        user: dict[str, Any] = {"role": "user", "content": prompt}
        if images:
            user["images"] = images
        messages.append(user)
        load = 0.0
        last_problem = ""
        for _ in range(2):
            reply, tries = self._chat_with_retries(
                model, messages, schema.model_json_schema(), num_ctx, num_predict
            )
            attempts += tries
            load += (reply.get("load_duration") or 0) / 1e9
            content = reply.get("message", {}).get("content") or ""
            problem = _reply_problem(content, reply.get("done_reason"))
            if not problem:
                try:
                    parsed = schema.model_validate_json(content)
                    return parsed, CallStats(time.monotonic() - started, attempts, load)
                except ValidationError as exc:
                    problem = f"the reply did not match the schema: {_short_validation(exc)}"
            last_problem = problem
            # Re-ask once, showing the model what was wrong.
            messages = messages + [
                {"role": "assistant", "content": content[:2000]},  # never echo a huge reply back
                {
                    "role": "user",
                    "content": f"That reply was not valid: {problem}. Answer again with "
                    "only JSON that matches the schema.",
                },
            ]
        raise ModelReplyError(f"model {model!r} gave no valid answer: {last_problem}")

    def _chat_with_retries(
        self, model: str, messages: list[dict[str, Any]], schema: dict, num_ctx: int, num_predict: int
    ) -> tuple[dict[str, Any], int]:
        delay = 0.5
        for attempt in range(1, self.retries + 2):
            try:
                return self._chat_once(model, messages, schema, num_ctx, num_predict), attempt
            except TransientError:
                if attempt > self.retries:
                    raise
                # Exponential backoff with jitter, so parallel workers do not retry in lockstep.
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 8.0)
        raise AssertionError("unreachable")

    def _chat_once(
        self, model: str, messages: list[dict[str, Any]], schema: dict, num_ctx: int, num_predict: int
    ) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        try:
            response = self._client.chat(
                model=model,
                messages=messages,
                format=schema,
                stream=False,
                options={"temperature": 0, "seed": 42, "num_ctx": num_ctx, "num_predict": num_predict},
                keep_alive="10m",
            )
            return response.model_dump()
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise ModelNotFound(
                    f"model {model!r} is not pulled on {self.host}: run `ollama pull {model}`"
                ) from None
            # 499: the server dropped the request (e.g. while shutting down); -1: an error line mid-stream.
            if exc.status_code >= 500 or exc.status_code in (-1, 429, 499):
                raise TransientError(f"{self.host} answered {exc.status_code}: {exc.error}") from None
            raise ModelReplyError(
                f"{self.host} refused the request ({exc.status_code}): {exc.error}"
            ) from None
        except (ConnectionError, httpx.ConnectError) as exc:
            raise ServerDown(str(self._unreachable(exc))) from None
        except httpx.TimeoutException:
            raise TransientError(f"no answer from {self.host} within {self.timeout:g}s (--timeout)") from None
        except httpx.HTTPError as exc:
            raise ServerDown(str(self._unreachable(exc))) from None


MAX_REPLY_CHARS = 200_000  # far beyond any honest caption or summary: a runaway generation


def _reply_problem(content: str, done_reason: str | None) -> str:
    if not content.strip():
        return "the reply was empty"
    if len(content) > MAX_REPLY_CHARS:
        return f"the reply was {len(content):,} characters long, not a caption"
    if done_reason == "length":
        return "the reply was cut off at the length limit"
    try:
        json.loads(content)
    except json.JSONDecodeError as exc:
        return f"the reply was not JSON ({exc.msg} at position {exc.pos})"
    return ""


def _short_validation(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in err['loc']) or 'reply'}: {err['msg']}" for err in exc.errors()[:3]]
    return "; ".join(parts)
