"""The models vidscan asks for by default, in one light module (the search commands import it without
the video pipeline)."""

from __future__ import annotations

DEFAULT_VLM = "qwen2.5vl:3b"  # describes frames; also writes summaries and answers unless --llm
# Embeddings for the library's search: small (300M), multilingual, 768 dimensions; `--embed-model`.
DEFAULT_EMBED_MODEL = "embeddinggemma"
