"""What the library needs to know beyond its folder: which models, on which server, with which cache."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..cache import DEFAULT_MAX_BYTES
from ..defaults import DEFAULT_EMBED_MODEL


@dataclass(frozen=True)
class LibraryOptions:
    embed_model: str | None = DEFAULT_EMBED_MODEL  # None: words only (no embeddings, no model server)
    llm: str | None = None  # the model that answers `ask`; None: the one that summarized the videos
    backend: str = "ollama"  # or "openai" (/v1/embeddings, /v1/chat/completions)
    host: str | None = None  # None: the backend's default ($OLLAMA_HOST, else http://127.0.0.1:11434)
    more_hosts: tuple[str, ...] = ()
    api_key: str | None = None
    timeout: float = 300.0  # seconds one model call may take
    pull: bool = False  # pull a missing embedding or text model instead of going without it
    cache_dir: Path | None = None  # embeddings and answers are cached by content, like captions
    use_cache: bool = True
    cache_max_bytes: int = DEFAULT_MAX_BYTES
