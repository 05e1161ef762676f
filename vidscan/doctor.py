"""`vidscan doctor`: is everything in place for a run? Each check says what to do when it fails."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import media
from .backends import make_backend
from .errors import VidscanError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _ffmpeg_check() -> Check:
    try:
        tools = media.find_tools()
        probe = tools.ffprobe or "none (probing through ffmpeg itself)"
        version = media.ffmpeg_version(tools)
        return Check("ffmpeg", True, f"{tools.ffmpeg} ({tools.source}, {version}); ffprobe: {probe}")
    except VidscanError as exc:
        return Check("ffmpeg", False, str(exc))


def run_checks(
    host: str | None, vlm: str, llm: str | None, backend_name: str = "ollama", api_key: str | None = None
) -> list[Check]:
    # `ffmpeg -version` takes 0.1 s to load a shared build's libraries: it runs while the server is asked.
    with ThreadPoolExecutor(max_workers=1) as pool:
        ffmpeg_check = pool.submit(_ffmpeg_check)
        server_checks = _server_checks(host, vlm, llm, backend_name, api_key)
        return [ffmpeg_check.result(), *server_checks]


def _server_checks(
    host: str | None, vlm: str, llm: str | None, backend_name: str, api_key: str | None
) -> list[Check]:
    checks: list[Check] = []
    backend = make_backend(backend_name, host, timeout=30, api_key=api_key)
    try:
        checks.append(Check("model server", True, f"{backend.label} {backend.version()} at {backend.host}"))
    except VidscanError as exc:
        checks.append(Check("model server", False, str(exc)))
        return checks

    models = [(vlm, "vision")] + ([(llm, None)] if llm and llm != vlm else [])
    for model, capability in models:
        role = "vision model" if capability else "summary model"
        try:
            info = backend.require(model, capability)
            caps = ", ".join(info.capabilities) or "unknown"
            checks.append(Check(role, True, f"{model} is pulled (capabilities: {caps})"))
        except VidscanError as exc:
            checks.append(Check(role, False, str(exc)))
    return checks
