"""I-frame-first keyframes (--iframes-first): only the keyframes and the stretches between two that differ
are decoded, and the cuts found are those of the full pass, to the frame."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_VIDEOS, Shot, make_video, run_cli, shared_video
from tests.fake_ollama import FakeOllama
from vidscan import media
from vidscan.keyframes import KeyframeOptions, select_keyframes
from vidscan.types import KeyframeSelection

# Cuts at 2.32, 5.4 and 8.84 s: inside 2-s GOPs (x264 ultrafast puts no keyframe at a cut), so each one
# is found only by decoding the stretch it lies in. The shots are still pictures: the stretches between
# keyframes of one shot look alike and are skipped.
SHOTS = [Shot(c, s, pattern=False) for c, s in [("0x2050a0", 2.32), ("0xa03020", 3.08), ("0x30a040", 3.44)]]
SHOTS.append(Shot("0xd0c040", 3.16, pattern=False))
CUTS = (2.32, 5.4, 8.84)


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("iframes") / "edited.mp4", SHOTS, extra=["-g", "50"])


def _select(path: Path, **options: object) -> KeyframeSelection:
    return select_keyframes(media.probe(str(path)), KeyframeOptions(**options))  # type: ignore[arg-type]


def test_keyframes_only_and_a_span_decode_what_they_say(edited: Path) -> None:
    info = media.probe(str(edited))
    keys = [round(f.time, 3) for f in media.decode_small(info, 160, keyframes_only=True)]
    assert keys == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    span = [round(f.time, 3) for f in media.decode_small(info, 160, span=(4.0, 4.4))]
    assert span == [4.0, 4.04, 4.08, 4.12, 4.16, 4.2, 4.24, 4.28, 4.32, 4.36]  # times of the whole video


def test_the_cuts_are_those_of_the_full_pass_from_a_fraction_of_the_frames(edited: Path) -> None:
    full = _select(edited, strategy="scenes")
    fast = _select(edited, strategy="scenes", iframes_first=True)
    assert full.cuts == fast.cuts == CUTS
    assert [k.reason for k in fast.keyframes] == ["start", "cut", "cut", "cut"]
    shots = zip((0.0, *CUTS), (*CUTS, 12.0), strict=True)
    assert all(lo < k.time < hi for k, (lo, hi) in zip(fast.keyframes, shots, strict=True))
    assert fast.frames_decoded < full.frames_decoded * 0.6  # 3 of 5 gaps, the tail, and 6 keyframes
    assert fast.strategy == "scenes (I-frames first: 3 of 5 keyframe gaps decoded)"


def test_a_file_with_one_keyframe_is_decoded_frame_by_frame(tmp_path: Path) -> None:
    # One keyframe for 12 s (a long GOP, as screen recorders write): nothing to compare it with, so the
    # whole stretch after it is decoded, streamed rather than held, and every cut is still found.
    one_gop = make_video(tmp_path / "one-gop.mp4", SHOTS, extra=["-g", "1000"])
    selection = _select(one_gop, strategy="scenes", iframes_first=True)
    assert selection.cuts == CUTS
    assert selection.strategy == "scenes (I-frames first: 0 of 0 keyframe gaps decoded)"
    assert selection.frames_decoded == 300  # all of them, once


def test_auto_becomes_scenes_and_motion_is_refused(edited: Path) -> None:
    assert _select(edited, iframes_first=True).strategy.startswith("scenes (I-frames first")
    with pytest.raises(ValueError, match="finds cuts only"):
        _select(edited, strategy="motion", iframes_first=True)


def test_other_codecs_get_the_full_pass_and_say_so() -> None:
    selection = _select(shared_video("edge_cases/psd_fades.mp4"), strategy="scenes", iframes_first=True)
    assert selection.strategy == "scenes (I-frames first needs H.264 or H.265, not mpeg4)"
    assert len(selection.cuts) == 2  # the fades, found by the full pass


def test_the_command_line_flag(edited: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "vidscan", "keyframes", "--iframes-first", "--json", str(edited)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(run.stdout)
    assert data["strategy"].startswith("scenes (I-frames first: 3 of 5")
    assert [k["reason"] for k in data["keyframes"]] == ["start", "cut", "cut", "cut"]


def test_analyze_with_iframes_first_captions_every_shot(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    result = run_cli(
        "analyze", str(SAMPLE_VIDEOS / "bikes.mp4"), "--out", str(tmp_path), "--host", fake_ollama.url,
        "--iframes-first",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "bikes" / "report.json").read_text())
    assert report["run"]["status"] == "complete"
    assert report["run"]["keyframe_strategy"].startswith("scenes (I-frames first: ")
    times = [k["time"] for k in report["keyframes"]]
    for lo, hi in zip((0.0, 1.2, 3.04, 5.48, 7.48), (1.2, 3.04, 5.48, 7.48, 9.68), strict=True):
        assert any(lo < t < hi for t in times), (lo, hi, times)  # bikes' shots, all of them
    assert all(k["caption"] for k in report["keyframes"])
