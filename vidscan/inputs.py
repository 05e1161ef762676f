"""The videos a command is given: files as named, folders searched for video files. Light to import: the
keyframes command uses it without the model side that batches of analyses load."""

from __future__ import annotations

from pathlib import Path

from .errors import VidscanError

VIDEO_SUFFIXES = {
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".flv", ".mpg", ".mpeg", ".ts", ".mts",
    ".m2ts", ".3gp", ".ogv", ".mxf", ".vob", ".dv",
}  # fmt: skip


def expand_inputs(inputs: list[str]) -> list[str]:
    """Files as given (in order); folders are searched recursively for video files (sorted)."""
    videos: list[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
            if not found:
                raise VidscanError(f"{item}: no video files in this folder")
            videos += [str(p) for p in found]
        else:
            videos.append(item)
    return videos
