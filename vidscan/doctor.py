"""`vidscan doctor`: is everything in place for a run? Each check says what to do when it fails."""

from __future__ import annotations

import importlib.util
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
    optional: bool = False  # a feature a run does without (the report says what it lacks): no failure


def feature_checks() -> list[Check]:
    """The optional features this machine's vidscan has (whatever the model hosts), found without
    importing them: doctor answers at once."""
    from .ocr import available_engine

    ocr = available_engine()
    whisper, pyav = (importlib.util.find_spec(module) is not None for module in ("faster_whisper", "av"))
    return [
        Check(
            "slide text",
            ocr is not None,
            f"OCR with {ocr}"
            if ocr
            else "no OCR engine: the lecture profile's notes get no slide text; "
            "pip install 'vidscan[ocr]' (or apt-get install tesseract-ocr)",
            optional=True,
        ),
        Check(
            "speech",
            whisper,
            "faster-whisper (the Whisper model is fetched on first use, or give a folder: --whisper-model)"
            if whisper
            else "no speech-to-text: the lecture profile's notes get no transcript; "
            "pip install 'vidscan[audio]'",
            optional=True,
        ),
        Check(
            "long footage",
            pyav,
            "PyAV: --iframes-first reads the file once, in-process"
            if pyav
            else "no PyAV: --iframes-first starts an ffmpeg per stretch, about half as fast on quiet camera "
            "footage; pip install 'vidscan[pyav]'",
            optional=True,
        ),
    ]


def _ffmpeg_check() -> Check:
    try:
        tools = media.find_tools()
        probe = tools.ffprobe or "none (probing through ffmpeg itself)"
        version = media.ffmpeg_version(tools)
        return Check("ffmpeg", True, f"{tools.ffmpeg} ({tools.source}, {version}); ffprobe: {probe}")
    except VidscanError as exc:
        return Check("ffmpeg", False, str(exc))


def run_checks(
    host: str | None,
    vlm: str,
    llm: str | None,
    backend_name: str = "ollama",
    api_key: str | None = None,
    embed_model: str | None = None,
) -> list[Check]:
    # `ffmpeg -version` takes 0.1 s to load a shared build's libraries: it runs while the server is asked.
    with ThreadPoolExecutor(max_workers=1) as pool:
        ffmpeg_check = pool.submit(_ffmpeg_check)
        server_checks = _server_checks(host, vlm, llm, backend_name, api_key, embed_model)
        return [ffmpeg_check.result(), *server_checks]


def _server_checks(
    host: str | None,
    vlm: str,
    llm: str | None,
    backend_name: str,
    api_key: str | None,
    embed_model: str | None,
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
    if embed_model:
        # Search by meaning: without the model, search and ask match words only.
        try:
            backend.require(embed_model)
            checks.append(Check("search model", True, f"{embed_model} is pulled", optional=True))
        except VidscanError as exc:
            checks.append(Check("search model", False, f"{exc}; search matches words only", optional=True))
    return checks
