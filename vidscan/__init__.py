"""vidscan: turn a video into a report you can read instead of watching it, with local models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy_imports import lazy_attributes

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .keyframes import KeyframeOptions, select_keyframes
    from .media import probe
    from .pipeline import AnalysisResult, Options, analyze, probe_and_select, select_each

# The public API is imported on first use: `import vidscan` (and every `vidscan` command) would otherwise
# load OpenCV, PySceneDetect and the model clients up front, 1.6 s before `vidscan --help` could answer.
__getattr__ = lazy_attributes(
    __name__,
    {
        "AnalysisResult": "pipeline",
        "KeyframeOptions": "keyframes.options",
        "Options": "pipeline",
        "analyze": "pipeline",
        "probe": "media",
        "probe_and_select": "pipeline",
        "select_each": "pipeline",
        "select_keyframes": "keyframes.selection",
    },
)

__all__ = [
    "AnalysisResult",
    "KeyframeOptions",
    "Options",
    "analyze",
    "probe",
    "probe_and_select",
    "select_each",
    "select_keyframes",
    "__version__",
]
