"""The frame the model sees is the frame that was analysed, as a viewer sees it: grabs on files where
seeking lies, and anamorphic clips."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.synthetic import encode
from vidscan import media


def _anamorphic_clip(path: Path, rotate: int = 0) -> Path:
    """704x576 stored with 16:11 pixels (PAL 16:9): a red square, 176x256 stored pixels, looks square."""
    lavfi = ["-f", "lavfi", "-i", "color=c=white:s=704x576:r=25:d=2"]
    box = "drawbox=x=264:y=160:w=176:h=256:c=red:t=fill,setsar=16/11"
    path = encode(path, lavfi, f"[0:v]{box}", keyframe_every=25)
    if rotate:  # a display rotation on top: the player turns the widened picture
        turned = path.with_name(f"turned-{path.name}")
        meta = ["-c", "copy", "-metadata:s:v:0", f"rotate={rotate}"]
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-i", str(path), *meta, str(turned)], check=True
        )
        return turned
    return path


def test_probe_reads_the_pixel_shape_with_and_without_ffprobe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _anamorphic_clip(tmp_path / "pal.mp4")
    with_ffprobe = media.probe(str(path))
    monkeypatch.setenv("PATH", "/nonexistent")  # imageio-ffmpeg's binary: `ffmpeg -i` says [SAR 16:11 ...]
    media.find_tools.cache_clear()
    try:
        assert media.find_tools().ffprobe is None
        without = media.probe(str(path))
    finally:
        media.find_tools.cache_clear()
    assert (with_ffprobe.width, with_ffprobe.height) == (without.width, without.height) == (1024, 576)
