"""Vectors for the library from one embedding model, through the same backends, hosts and reply cache
as captions (a text embedded once is never paid for again).

Without an embedding model (not pulled, not served, the server down, or turned off) the library works
with words alone, and `problem` says why, so that the user is told instead of silently getting less.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..cache import ReplyCache
from ..calls import ModelCaller
from ..errors import ModelCapabilityError, VidscanError
from ..progress import Progress
from .options import LibraryOptions
from .server import connect_model


class Embedder:
    """Unit float32 vectors for texts; the server is asked about the model once, on first use."""

    def __init__(
        self, options: LibraryOptions, cache: ReplyCache | None, progress: Progress, model: str | None
    ) -> None:
        self.model = model
        self.problem: str | None = None if model else "embeddings are turned off (--embed-model none)"
        self._options, self._cache, self._progress = options, cache, progress
        self._caller: ModelCaller | None = None
        self._checked = not model

    def ready(self) -> bool:
        """True when the model can embed; otherwise `problem` says why (asks the server once)."""
        if not self._checked:
            self._checked = True
            try:
                self._caller = self._connect()
            except VidscanError as exc:
                self.problem = str(exc)
        return self._caller is not None and self.problem is None

    def _connect(self) -> ModelCaller:
        assert self.model
        caller, info = connect_model(self._options, self.model, self._cache, self._progress)
        if info.capabilities and "embedding" not in info.capabilities:
            capabilities = ", ".join(info.capabilities)
            raise ModelCapabilityError(
                f"model {self.model!r} does not make embeddings (capabilities: {capabilities}): choose an"
                " embedding model with --embed-model, e.g. embeddinggemma or nomic-embed-text"
            )
        return caller

    def vectors(self, texts: Sequence[str]) -> list[bytes | None] | None:
        """One vector (float32 bytes) per text, None for an empty text; None for all of them when the
        model is not there or fails (then `problem` says why, and later calls do not ask again)."""
        if not self.ready():
            return None
        assert self._caller is not None and self.model
        wanted = [i for i, text in enumerate(texts) if text.strip()]
        try:
            raw = self._caller.embeddings(self.model, [texts[i] for i in wanted])
        except VidscanError as exc:
            self.problem = f"embedding with {self.model!r} failed: {exc}"
            return None
        result: list[bytes | None] = [None] * len(texts)
        for i, vector in zip(wanted, raw, strict=True):
            result[i] = unit_vector(vector).tobytes()
        return result

    def query_vector(self, text: str) -> np.ndarray | None:
        vectors = self.vectors([text])
        if not vectors or vectors[0] is None:
            return None
        return np.frombuffer(vectors[0], dtype=np.float32)


def unit_vector(values: Sequence[float]) -> np.ndarray:
    """float32 of length 1 (servers other than Ollama may not normalize), zeros stay zeros."""
    vector = np.asarray(values, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
