"""PySceneDetect's detectors, imported without the ffmpeg its package starts as it loads.

Importing any part of PySceneDetect runs its package, which loads its video-splitting output, which runs
`ffmpeg -v quiet` to learn whether ffmpeg is there (scenedetect.output.video). Debian's ffmpeg links 200
libraries: 0.07-0.17 s of every vidscan process, for an output vidscan never uses. While the package
loads, that check looks ffmpeg up on PATH instead (where the run would have found it); afterwards the
check is PySceneDetect's own again."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import shutil
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

_CHECK = "get_ffmpeg_path"  # scenedetect.platform's


def _ffmpeg_on_path() -> str | None:
    return "ffmpeg" if shutil.which("ffmpeg") else None


class _LookUpFfmpeg(importlib.abc.MetaPathFinder):
    """Finds scenedetect.platform as Python would, and loads it with its ffmpeg check replaced."""

    def __init__(self) -> None:
        self.original: Callable[[], str | None] | None = None
        self.platform: ModuleType | None = None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "scenedetect.platform":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader: Any = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            self.original, self.platform = getattr(module, _CHECK), module
            setattr(module, _CHECK, _ffmpeg_on_path)

        loader.exec_module = exec_module  # this spec's own loader
        return spec


def _load() -> None:
    if "scenedetect" in sys.modules:
        return
    finder = _LookUpFfmpeg()
    sys.meta_path.insert(0, finder)
    try:
        import scenedetect  # noqa: F401
    finally:
        sys.meta_path.remove(finder)
        if finder.platform is not None:
            setattr(finder.platform, _CHECK, finder.original)


_load()

from scenedetect.common import FrameTimecode  # noqa: E402
from scenedetect.detectors import AdaptiveDetector, ThresholdDetector  # noqa: E402

__all__ = ["AdaptiveDetector", "FrameTimecode", "ThresholdDetector"]
