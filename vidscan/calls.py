"""Model calls through the reply cache: a hit costs nothing, a miss goes to the backend and is stored."""

from __future__ import annotations

import base64
import sys
import threading
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from .backends import Backend
from .cache import ReplyCache, cache_key
from .progress import Progress

if TYPE_CHECKING:
    from pydantic import BaseModel

T = TypeVar("T", bound="BaseModel")


def pull_model(backend: Backend, model: str, progress: Progress) -> None:
    """Pull a model the server lacks (--pull), with its download as a progress stage."""
    progress.message(f"pulling {model} from {backend.host}")
    stage = progress.stage(f"pull {model}")
    backend.pull(model, lambda _status, done, total: stage.update(done, total or None))
    stage.close()


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

    def embeddings(self, model: str, texts: Sequence[str], batch: int = 32) -> list[list[float]]:
        """One vector per text, in order: from the cache when it has the text, else from the server in
        batches of `batch` texts (each vector is stored as soon as its batch arrives)."""
        keys = [self._embedding_key(model, text) for text in texts]
        found: dict[int, list[float]] = {}
        if self.cache is not None:
            for i, key in enumerate(keys):
                hit = self.cache.get(key)
                if hit is not None and isinstance(hit.get("float32"), str):
                    found[i] = _unpack_floats(hit["float32"])
            with self._lock:
                self.cache_hits += len(found)
        missing = [i for i in range(len(texts)) if i not in found]
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            vectors = self.backend.embed(model, [texts[i] for i in chunk])
            for i, vector in zip(chunk, vectors, strict=True):
                found[i] = vector
                if self.cache is not None:
                    self.cache.put(keys[i], model, {"float32": _pack_floats(vector)})
        return [found[i] for i in range(len(texts))]

    def _embedding_key(self, model: str, text: str) -> str:
        if self.cache is None:
            return ""
        if model not in self.digests:
            self.set_digest(model, "")
        return cache_key(model, self.digests[model], {"embed": text}, [])


def _pack_floats(vector: Sequence[float]) -> str:
    """float32, little-endian, base64: a quarter of the size of the same numbers as JSON text."""
    values = array("f", vector)
    if sys.byteorder == "big":
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def _unpack_floats(text: str) -> list[float]:
    values = array("f")
    values.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()
