"""vidscan: turn a video into a report you can read instead of watching it, with local models."""

from __future__ import annotations

__version__ = "0.1.0"

from .keyframes import KeyframeOptions, select_keyframes  # noqa: E402
from .media import probe  # noqa: E402
from .pipeline import AnalysisResult, Options, analyze  # noqa: E402

__all__ = [
    "AnalysisResult",
    "KeyframeOptions",
    "Options",
    "analyze",
    "probe",
    "select_keyframes",
    "__version__",
]
