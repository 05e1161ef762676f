"""Model backends behind one small interface (base.Backend), chosen by name from a registry.

Adding a backend is one new module with a Backend subclass, and one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UsageError
from .base import Backend, CallStats, ModelInfo, ServerDown, TransientError, is_local_host
from .ollama import OllamaBackend
from .openai import OpenAIBackend

BACKENDS: dict[str, Callable[..., Backend]] = {"ollama": OllamaBackend, "openai": OpenAIBackend}


def make_backend(name: str, host: str | None, timeout: float = 300.0, api_key: str | None = None) -> Backend:
    try:
        backend_class = BACKENDS[name]
    except KeyError:
        raise UsageError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}") from None
    return backend_class(host, timeout=timeout, api_key=api_key)


__all__ = [
    "BACKENDS",
    "Backend",
    "CallStats",
    "ModelInfo",
    "OllamaBackend",
    "OpenAIBackend",
    "ServerDown",
    "TransientError",
    "is_local_host",
    "make_backend",
]
