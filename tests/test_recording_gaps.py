"""A camera recorded with gaps (a recorder that records on motion only, a camera lost for a while): the
file has no pictures there, and vidscan says so instead of filling the gap with copies of the last one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fake_ollama import FakeOllama
from tests.synthetic import crossing, slides, without_frames
from vidscan import media

# The second crossing enters at 25 s of the source, 325 s of the recording with its gap.
GAP = (12.0, 320.0)
CROSSINGS = ((3.0, 7.0), (325.0, 329.0))


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gaps")
    source = crossing(folder / "camera.mp4", enter=(3.0, 25.0), cross=4.0, seconds=34.0)
    # 12-20 s of the source not recorded, and the recorder's clock 5 minutes on when it resumes.
    return without_frames(source, folder / "motion-only.mp4", 12.0, 20.0, shift=300.0)


def _keyframes(path: Path, *options: str) -> tuple[dict, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "vidscan", "keyframes", str(path), "--json", *options],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_the_frame_rate_is_the_cameras_not_the_average_over_the_gap(recording: Path) -> None:
    # 34 s of frames over 330 s of clock: the container's average says 1.2 frames/s.
    info = media.probe(str(recording))
    assert info.fps == pytest.approx(15.0, rel=0.01)
    assert info.duration > 300


@pytest.mark.parametrize("mode", [[], ["--iframes-first"]], ids=["full", "iframes-first"])
def test_a_gap_in_the_recording_gets_no_keyframes_and_is_reported(recording: Path, mode: list[str]) -> None:
    out, err = _keyframes(recording, *mode)
    assert len(out["gaps"]) == 1
    start, end = out["gaps"][0]
    assert start == pytest.approx(GAP[0], abs=0.2) and end == pytest.approx(GAP[1], abs=0.2)
    times = [k["time"] for k in out["keyframes"]]
    # Before, coverage keyframes every 50 s filled the gap with copies of the picture before it.
    assert not [t for t in times if GAP[0] + 0.2 < t < GAP[1] - 0.2], times
    for lo, hi in CROSSINGS:  # both people crossing are found, before and after the gap
        assert any(lo <= t <= hi + 1.0 for t in times), (lo, times)
    # The keyframe before the gap stands for the time up to it, not for the gap.
    before = [k for k in out["keyframes"] if k["time"] < GAP[0]]
    assert before[-1]["segment"][1] <= GAP[0] + 0.2
    assert "not recorded at 0:12-5:20" in err


def test_a_screen_recorder_holding_a_slide_is_no_gap(tmp_path: Path) -> None:
    # A screen recorder that sends no frame while nothing changes: the slide is on screen all along.
    deck = slides(tmp_path / "deck.mp4", [2.0, 5.0, 40.0], 46.0)
    held = without_frames(deck, tmp_path / "held.mp4", 6.0, 39.0)
    for mode in ([], ["--iframes-first"]):
        out, _ = _keyframes(held, *mode)
        assert out["gaps"] == [], mode
        assert any(k["time"] > 40.0 for k in out["keyframes"]), mode  # the last bullet


def test_the_report_says_what_was_not_recorded(
    recording: Path, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    result = run_cli("analyze", str(recording), "--out", str(tmp_path), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr  # a gap is how the file was recorded, not a failure
    folder = tmp_path / recording.stem
    report = json.loads((folder / "report.json").read_text())
    assert report["run"]["status"] == "complete"
    [[start, end]] = report["timeline"]["gaps"]
    assert (start, end) == (pytest.approx(GAP[0], abs=0.2), pytest.approx(GAP[1], abs=0.2))
    html = (folder / "report.html").read_text()
    assert "(0:05:08 of it not recorded)" in html
    assert "Not recorded at 0:12–5:20 (5:08)" in html
    data = json.loads(
        html.split('<script type="application/json" id="report-data">')[1].split("</script>")[0]
    )
    assert data["gaps"] == [[start, end]]  # drawn on the timeline
    assert "Not recorded at 0:12–5:20" in (folder / "report.md").read_text()
    # The summary's model is told, so that it does not take the gap for five quiet minutes.
    told = f"Not recorded (the file has no pictures there): {start:.2f}s-{end:.2f}s"
    assert any(told in json.dumps(body) for _, _, body in fake_ollama.requests)
