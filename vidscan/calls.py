"""Model calls through the reply cache: a hit costs nothing, a miss goes to the backend and is stored."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, TypeVar

from .backends import Backend
from .cache import ReplyCache, cache_key

if TYPE_CHECKING:
    from pydantic import BaseModel

T = TypeVar("T", bound="BaseModel")


class ModelCaller:
    def __init__(self, backend: Backend, cache: ReplyCache | None = None) -> None:
        self.backend = backend
        self.cache = cache
        self.digests: dict[str, str] = {}
        self.cache_hits = 0
        self._lock = threading.Lock()

    @property
    def model_calls(self) -> int:
        return self.backend.calls

    def set_digest(self, model: str, digest: str) -> None:
        """The model's version enters every cache key; remembered for runs when the server is down."""
        if self.cache is not None:
            if digest:
                self.cache.remember_digest(model, digest)
            else:
                digest = self.cache.known_digest(model)
        self.digests[model] = digest

    def json(
        self,
        model: str,
        prompt: str,
        schema: type[T],
        images: list[bytes] | None = None,
        system: str | None = None,
        num_ctx: int = 8192,
        num_predict: int = 1024,
        cached_only: bool = False,
    ) -> T | None:
        """The validated reply, from the cache when it has it. With cached_only, a miss gives None
        instead of a call (the server is known to be down)."""
        key = ""
        if self.cache is not None:
            if model not in self.digests:
                self.set_digest(model, "")
            payload = {
                "prompt": prompt,
                "system": system or "",
                "schema": schema.model_json_schema(),
                "num_ctx": num_ctx,
                "num_predict": num_predict,
            }
            key = cache_key(model, self.digests[model], payload, images or [])
            hit = self.cache.get(key)
            if hit is not None:
                with self._lock:
                    self.cache_hits += 1
                return schema.model_validate(hit)
        if cached_only:
            return None
        reply, _ = self.backend.chat_json(model, prompt, schema, images, system, num_ctx, num_predict)
        if self.cache is not None:
            self.cache.put(key, model, reply.model_dump(mode="json", by_alias=True))
        return reply

    def require_json(
        self,
        model: str,
        prompt: str,
        schema: type[T],
        system: str | None = None,
        num_ctx: int = 8192,
    ) -> T:
        """A text call that must answer (never cached_only)."""
        reply = self.json(model, prompt, schema, system=system, num_ctx=num_ctx)
        assert reply is not None
        return reply
