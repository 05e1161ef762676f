"""--hwaccel: ffmpeg's hardware decoders on request, and a clean fall back to software when the hardware
path fails (this test machine has no GPU: every hardware name fails here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import SAMPLE_VIDEOS
from vidscan import media
from vidscan.cli import build_parser
from vidscan.keyframes import KeyframeOptions, select_keyframes

BIKES = SAMPLE_VIDEOS / "bikes.mp4"


def _keyframes(*options: str) -> tuple[list[dict], str]:
    run = subprocess.run(
        [sys.executable, "-m", "vidscan", "keyframes", "--json", *options, str(BIKES)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)["keyframes"], run.stderr


def test_software_is_the_default() -> None:
    assert KeyframeOptions().hwaccel == "none"
    assert build_parser().parse_args(["keyframes", str(BIKES)]).hwaccel == "none"
    selection = select_keyframes(media.probe(str(BIKES)))
    assert (selection.hwaccel, selection.hwaccel_error) == ("software", "")


@pytest.mark.parametrize(("name", "why"), [("vaapi", "Device"), ("no-such-decoder", "Unrecognized hwaccel")])
def test_a_hardware_decoder_that_fails_falls_back_to_software_and_says_so(name: str, why: str) -> None:
    software, quiet = _keyframes()
    hardware, said = _keyframes("--hwaccel", name)
    assert hardware == software  # the same keyframes, decoded in software
    assert "did not work" not in quiet
    assert f"vidscan: --hwaccel {name} did not work (" in said and "decoded in software" in said
    assert why in said


def test_the_fall_back_holds_for_every_decode_of_i_frames_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # --hwaccel is ffmpeg's: compared with ffmpeg's software decode (PyAV's scaler rounds a little apart).
    monkeypatch.setenv("VIDSCAN_PYAV", "0")
    info = media.probe(str(BIKES))
    plain = select_keyframes(info, KeyframeOptions(iframes_first=True))
    failed = select_keyframes(info, KeyframeOptions(iframes_first=True, hwaccel="no-such-decoder"))
    assert failed.hwaccel == "software (--hwaccel no-such-decoder failed)"
    assert "Unrecognized hwaccel" in failed.hwaccel_error
    assert failed.keyframes == plain.keyframes and failed.cuts == plain.cuts
