"""Model backends behind one small interface (base.Backend), chosen by name from a registry.

Adding a backend is one new module with a Backend subclass, and one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UsageError
from .base import Backend, CallStats, ModelInfo, ServerDown, TransientError, is_local_host
from .ollama import OllamaBackend
from .openai import OpenAIBackend
from .pool import HostPool

BACKENDS: dict[str, Callable[..., Backend]] = {"ollama": OllamaBackend, "openai": OpenAIBackend}


def make_backend(
    name: str,
    host: str | None,
    timeout: float = 300.0,
    api_key: str | None = None,
    more_hosts: tuple[str, ...] = (),
    parallel: int = 2,
) -> Backend:
    """One host, or a HostPool over several (each with `parallel` requests in flight)."""
    try:
        backend_class = BACKENDS[name]
    except KeyError:
        raise UsageError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}") from None
    if not more_hosts:
        return backend_class(host, timeout=timeout, api_key=api_key)
    # In a pool a failing host is left for the others after one retry, not three.
    hosts = [backend_class(h, timeout=timeout, api_key=api_key, retries=1) for h in (host, *more_hosts)]
    return HostPool(hosts, parallel)


__all__ = [
    "BACKENDS",
    "HostPool",
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
