"""`vidscan doctor`: is everything in place for a run? Each check says what to do when it fails."""

from __future__ import annotations

from dataclasses import dataclass

from . import media
from .backends import make_backend
from .errors import VidscanError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(
    host: str | None, vlm: str, llm: str | None, backend_name: str = "ollama", api_key: str | None = None
) -> list[Check]:
    checks: list[Check] = []
    try:
        tools = media.find_tools()
        probe = tools.ffprobe or "none (probing through ffmpeg itself)"
        version = media.ffmpeg_version(tools)
        checks.append(Check("ffmpeg", True, f"{tools.ffmpeg} ({tools.source}, {version}); ffprobe: {probe}"))
    except VidscanError as exc:
        checks.append(Check("ffmpeg", False, str(exc)))

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
