"""Benchmarks: each prints its figures (docs/benchmarks.md has the latest tables and the commands)."""

from __future__ import annotations

import compileall
from pathlib import Path


def compile_vidscan() -> None:
    """vidscan's modules compiled to bytecode, as `pip install` leaves them and as a user's first run
    writes them. Where PYTHONDONTWRITEBYTECODE is set (as on the project's machines) nothing writes them,
    and every process timed would compile vidscan from source first: 0.15 s a process here, which
    PySceneDetect, installed by pip, never pays."""
    import vidscan

    compileall.compile_dir(Path(vidscan.__file__).parent, quiet=1)
