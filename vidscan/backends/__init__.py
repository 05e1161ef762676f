"""Model backends behind one small interface (base.Backend), chosen by name from a registry.

Adding a backend is one new module with a Backend subclass, and one entry in _CLASSES.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..lazy_imports import lazy_attributes
from .base import Backend, CallStats, ModelInfo, ServerDown, TransientError, is_local_host
from .pool import HostPool

if TYPE_CHECKING:
    from .ollama import OllamaBackend
    from .openai import OpenAIBackend

# Each backend's module (and its client library: ollama's takes 0.4 s to import) loads when the backend is
# made, so that commands that make none start without it.
_CLASSES = {"ollama": ("ollama", "OllamaBackend"), "openai": ("openai", "OpenAIBackend")}
BACKENDS = tuple(_CLASSES)  # the names --backend takes


def backend_class(name: str) -> Callable[..., Backend]:
    try:
        module, class_name = _CLASSES[name]
    except KeyError:
        raise UsageError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}") from None
    backend: Callable[..., Backend] = getattr(importlib.import_module(f".{module}", __name__), class_name)
    return backend


def make_backend(
    name: str,
    host: str | None,
    timeout: float = 300.0,
    api_key: str | None = None,
    more_hosts: tuple[str, ...] = (),
    parallel: int = 2,
) -> Backend:
    """One host, or a HostPool over several (each with `parallel` requests in flight)."""
    backend = backend_class(name)
    if not more_hosts:
        return backend(host, timeout=timeout, api_key=api_key)
    # In a pool a failing host is left for the others after one retry, not three.
    hosts = [backend(h, timeout=timeout, api_key=api_key, retries=1) for h in (host, *more_hosts)]
    return HostPool(hosts, parallel)


__getattr__ = lazy_attributes(__name__, {cls: module for module, cls in _CLASSES.values()})

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
    "backend_class",
    "is_local_host",
    "make_backend",
]
