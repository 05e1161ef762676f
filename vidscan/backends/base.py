"""What every model backend shares: model facts, JSON-schema calls with validation and one re-ask,
retries with backoff for transient faults only, and the errors the rest of vidscan sees.

A backend implements `_chat_once` (one HTTP call, mapped to our errors) and the model facts (`show`,
`pull`, `version`); everything else lives here once.
"""

from __future__ import annotations

import json
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from ..errors import ModelCapabilityError, ModelReplyError, ModelServerUnreachable, VidscanError

if TYPE_CHECKING:  # pydantic loads with the first reply to validate: `vidscan doctor` needs none
    from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound="BaseModel")
R = TypeVar("R")
MAX_REPLY_CHARS = 200_000  # far beyond any honest caption or summary: a runaway generation


@dataclass(frozen=True)
class ModelInfo:
    name: str
    digest: str
    capabilities: tuple[str, ...]  # empty when the server does not say


@dataclass(frozen=True)
class CallStats:
    seconds: float
    attempts: int
    load_seconds: float


@dataclass(frozen=True)
class ChatReply:
    content: str
    done_reason: str | None  # "stop", or "length" when cut at the token limit
    load_seconds: float = 0.0


class TransientError(VidscanError):
    """A failure worth retrying: connection trouble, 5xx, timeouts."""


class ServerDown(TransientError):
    """Nobody answers at the host: after retries, the run stops calling instead of failing frame by frame."""


def is_local_host(host: str) -> bool:
    name = urlparse(host).hostname or ""
    return name in ("localhost", "::1", "0.0.0.0") or name.startswith("127.")


Message = dict[str, Any]  # {"role", "content", "images": [bytes]} in Ollama's shape; backends convert


class Backend(ABC):
    """One model server. Thread-safe: worker threads share it."""

    name = "base"

    def __init__(self, host: str, timeout: float = 300.0, retries: int = 3) -> None:
        self.host = host
        self.timeout = timeout
        self.retries = retries
        self._calls = 0
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        """Requests sent to the model, retries and re-asks included."""
        return self._calls

    def calls_by_host(self) -> dict[str, int]:
        return {self.host: self.calls}

    # --- what a backend provides ---------------------------------------------------------------------
    @abstractmethod
    def version(self) -> str: ...

    @abstractmethod
    def show(self, model: str) -> ModelInfo: ...

    @abstractmethod
    def pull(self, model: str, progress: Callable[[str, int, int], None] | None = None) -> None: ...

    @abstractmethod
    def _chat_once(
        self, model: str, messages: list[Message], schema: dict, num_ctx: int, num_predict: int
    ) -> ChatReply: ...

    # --- shared ---------------------------------------------------------------------------------------
    def require(self, model: str, capability: str | None = None) -> ModelInfo:
        info = self.show(model)
        if capability and info.capabilities and capability not in info.capabilities:
            raise ModelCapabilityError(
                f"model {model!r} cannot read images (capabilities: {', '.join(info.capabilities)}): "
                "choose a vision model with --vlm, e.g. qwen2.5vl:3b"
            )
        return info

    label = "model server"  # how messages name the server
    start_hint = "start it, or point --host at a running one"

    def unreachable(self, exc: BaseException) -> ModelServerUnreachable:
        return ModelServerUnreachable(
            f"cannot reach the {self.label} at {self.host} ({type(exc).__name__}): {self.start_hint}"
        )

    def _count_call(self) -> None:
        with self._lock:
            self._calls += 1

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
        from pydantic import ValidationError

        started = time.monotonic()
        attempts = 0
        messages: list[Message] = []
        if system:
            messages.append({"role": "system", "content": system})
        user: Message = {"role": "user", "content": prompt}
        if images:
            user["images"] = images
        messages.append(user)
        load = 0.0
        last_problem = ""
        for _ in range(2):
            reply, tries = self._with_retries(
                model, messages, schema.model_json_schema(), num_ctx, num_predict
            )
            attempts += tries
            load += reply.load_seconds
            problem = reply_problem(reply.content, reply.done_reason)
            if not problem:
                try:
                    parsed = schema.model_validate_json(reply.content)
                    return parsed, CallStats(time.monotonic() - started, attempts, load)
                except ValidationError as exc:
                    problem = f"the reply did not match the schema: {short_validation(exc)}"
            last_problem = problem
            messages = [
                *messages,
                {"role": "assistant", "content": reply.content[:2000]},  # never echo a huge reply back
                {
                    "role": "user",
                    "content": f"That reply was not valid: {problem}. "
                    "Answer again with only JSON that matches the schema.",
                },
            ]
        raise ModelReplyError(f"model {model!r} gave no valid answer: {last_problem}")

    def _with_retries(
        self, model: str, messages: list[Message], schema: dict, num_ctx: int, num_predict: int
    ) -> tuple[ChatReply, int]:
        return self._retrying(lambda: self._chat_once(model, messages, schema, num_ctx, num_predict))

    def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order (transient faults retried as for chat)."""
        vectors, _ = self._retrying(lambda: self._embed_once(model, texts))
        return vectors

    def _embed_once(self, model: str, texts: list[str]) -> list[list[float]]:
        """One embedding request; a backend that serves embeddings overrides this."""
        raise ModelCapabilityError(f"the {self.label} at {self.host} serves no embeddings")

    def _retrying(self, call: Callable[[], R]) -> tuple[R, int]:
        """call() with exponential backoff on transient faults; the result and the attempts it took."""
        delay = 0.5
        for attempt in range(1, self.retries + 2):
            try:
                self._count_call()
                return call(), attempt
            except TransientError:
                if attempt > self.retries:
                    raise
                # Exponential backoff with jitter, so parallel workers do not retry in lockstep.
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 8.0)
        raise AssertionError("unreachable")


def reply_problem(content: str, done_reason: str | None) -> str:
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


def short_validation(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in err['loc']) or 'reply'}: {err['msg']}" for err in exc.errors()[:3]]
    return "; ".join(parts)
