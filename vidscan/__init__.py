"""vidscan: turn a video into a report you can read instead of watching it, with local models."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .keyframes import KeyframeOptions, select_keyframes
    from .media import probe
    from .pipeline import AnalysisResult, Options, analyze, probe_and_select

# The public API is imported on first use: `import vidscan` (and every `vidscan` command) would otherwise
# load OpenCV, PySceneDetect and the model clients up front, 1.6 s before `vidscan --help` could answer.
_PUBLIC = {
    "AnalysisResult": "pipeline",
    "KeyframeOptions": "keyframes.options",
    "Options": "pipeline",
    "analyze": "pipeline",
    "probe": "media",
    "probe_and_select": "pipeline",
    "select_keyframes": "keyframes.selection",
}


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value  # the next look-up is an ordinary attribute
    return value


__all__ = [
    "AnalysisResult",
    "KeyframeOptions",
    "Options",
    "analyze",
    "probe",
    "probe_and_select",
    "select_keyframes",
    "__version__",
]
