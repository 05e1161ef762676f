"""I-frame-first keyframes (--iframes-first): only the keyframes and the stretches between two that differ
are decoded, and the cuts found are those of the full pass, to the frame."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_VIDEOS, Shot, make_video, run_cli, shared_video
from tests.fake_ollama import FakeOllama
from tests.synthetic import crossing, night_camera
from vidscan import media
from vidscan.keyframes import KeyframeOptions, select_keyframes
from vidscan.keyframes.plan import EVENTS
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


def test_auto_keeps_its_cuts_and_text_is_refused(edited: Path) -> None:
    selection = _select(edited, iframes_first=True)
    assert selection.strategy == "auto:scenes (I-frames first: 3 of 5 keyframe gaps decoded)"
    assert selection.cuts == CUTS
    with pytest.raises(ValueError, match="cannot follow text changes"):
        _select(edited, strategy="text", iframes_first=True)


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
    assert data["strategy"].startswith("auto:scenes (I-frames first: 3 of 5")
    assert [k["reason"] for k in data["keyframes"]] == ["start", "cut", "cut", "cut"]


def test_analyze_with_iframes_first_captions_every_shot(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    result = run_cli(
        "analyze", str(SAMPLE_VIDEOS / "bikes.mp4"), "--out", str(tmp_path), "--host", fake_ollama.url,
        "--iframes-first",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "bikes" / "report.json").read_text())
    assert report["run"]["status"] == "complete"
    assert report["run"]["keyframe_strategy"].startswith("auto:scenes (I-frames first: ")
    assert report["run"]["decode_mode"] == "iframes-first"
    assert report["run"]["iframe_interval"] > 0
    html = (tmp_path / "bikes" / "report.html").read_text()
    assert f"I-frames first, an I-frame every {report['run']['iframe_interval']:.2f} s" in html
    times = [k["time"] for k in report["keyframes"]]
    for lo, hi in zip((0.0, 1.2, 3.04, 5.48, 7.48), (1.2, 3.04, 5.48, 7.48, 9.68), strict=True):
        assert any(lo < t < hi for t in times), (lo, hi, times)  # bikes' shots, all of them
    assert all(k["caption"] for k in report["keyframes"])


# Fixed cameras: a figure crosses a noisy still scene from ENTER for CROSS seconds (tests/synthetic.py).
ENTER, CROSS = 4.0, 5.0


def _events(selection: KeyframeSelection, lo: float, hi: float) -> list[float]:
    return [k.time for k in selection.keyframes if k.reason in EVENTS and lo <= k.time <= hi]


def _same_event_as_the_full_pass(path: Path, strategy: str = "auto") -> KeyframeSelection:
    full = _select(path, strategy=strategy)
    fast = _select(path, strategy=strategy, iframes_first=True)
    assert _events(full, ENTER, ENTER + CROSS), full.keyframes
    assert _events(fast, ENTER, ENTER + CROSS), fast.keyframes
    assert not _events(fast, 0.0, ENTER) and not _events(fast, ENTER + CROSS, 99.0)  # noise is no event
    return fast


def test_a_camera_event_longer_than_the_keyframe_interval_is_found(tmp_path: Path) -> None:
    # Keyframes every 2 s; the figure is in view for 5 s: the keyframes around it differ by more than
    # the scene's noise, so those stretches are decoded frame by frame; the quiet ones are skipped.
    path = crossing(tmp_path / "crossing.mp4", ENTER, CROSS)
    for strategy in ("auto", "motion"):
        fast = _same_event_as_the_full_pass(path, strategy)
        assert fast.decode_mode == "iframes-first"
        assert (fast.iframe_interval, fast.iframe_interval_longest) == (2.0, 2.0)
        assert fast.frames_decoded < 180 * 0.75  # of 180: the keyframes, 3 stretches and the tail
        assert "(I-frames first: 3 of 5 keyframe gaps decoded)" in fast.strategy


def test_a_camera_event_within_one_keyframe_interval_is_missed(tmp_path: Path) -> None:
    # What the mode can miss, as the README says: keyframes every 4 s (at 4 and 8), and a figure that
    # crosses between 4.6 and 6.1 s. Both keyframes show the empty scene, so the stretch is skipped:
    # the full pass has the event, I-frames first does not.
    path = crossing(
        tmp_path / "glimpse.mp4", 4.6, 1.5, keyframes=["-g", "60", "-keyint_min", "60", "-sc_threshold", "0"]
    )
    full = _select(path)
    fast = _select(path, iframes_first=True)
    assert _events(full, 4.6, 6.1)
    assert not _events(fast, 0.0, 99.0)  # missed
    assert "0 of 2 keyframe gaps decoded" in fast.strategy


def test_an_infrared_cameras_quiet_night_decodes_no_stretch(tmp_path: Path) -> None:
    # Grey pictures have no hue: their pixels' hue and saturation are noise, which made every pair of
    # I-frames of a night camera differ like two shots, and every stretch was decoded.
    fast = _select(night_camera(tmp_path / "night.mp4"), iframes_first=True)
    assert fast.strategy == "auto:motion+scenes (I-frames first: 0 of 14 keyframe gaps decoded)"
    assert len(fast.keyframes) == 1


def test_irregular_keyframes_with_b_frames(tmp_path: Path) -> None:
    # A recorder's variable interval: keyframes 0.4 to 3.1 s apart, B-frames between them.
    times = "0,1.3,2.1,4.9,5.5,8.6,9.0"
    path = crossing(
        tmp_path / "irregular.mp4", ENTER, CROSS,
        keyframes=["-g", "300", "-sc_threshold", "0", "-force_key_frames", times],
        codec=["-preset", "veryfast", "-bf", "3", "-crf", "26"],
    )  # fmt: skip
    fast = _same_event_as_the_full_pass(path)
    assert fast.iframe_interval == 0.8 and fast.iframe_interval_longest == 3.067  # median, longest


def test_an_h264_open_gop_gets_the_full_pass_and_says_why(tmp_path: Path) -> None:
    # x264's open GOP: keyframes that are recovery points, not IDR frames. ffmpeg cannot decode them
    # alone (it gives a few, out of order), so the mode is not used, and the strategy says so.
    path = crossing(
        tmp_path / "open-gop.mp4", ENTER, CROSS,
        codec=["-preset", "veryfast", "-bf", "3", "-x264-params", "open-gop=1", "-crf", "26"],
    )  # fmt: skip
    fast = _same_event_as_the_full_pass(path)
    assert fast.decode_mode == "full" and fast.frames_decoded == 180
    assert "keyframes of this stream do not decode alone" in fast.strategy


def test_h265_with_an_open_gop(tmp_path: Path) -> None:
    # HEVC's open GOP (CRA keyframes, x265's default) decodes keyframe by keyframe.
    params = "log-level=error:keyint=30:min-keyint=30:scenecut=0:open-gop=1"
    path = crossing(
        tmp_path / "hevc.mp4", ENTER, CROSS,
        codec=["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", params, "-crf", "28"],
    )  # fmt: skip
    assert media.probe(str(path)).codec == "hevc"
    fast = _same_event_as_the_full_pass(path)
    assert fast.decode_mode == "iframes-first" and fast.iframe_interval == 2.0


def test_the_command_line_with_motion(tmp_path: Path) -> None:
    path = crossing(tmp_path / "crossing.mp4", ENTER, CROSS)
    args = [sys.executable, "-m", "vidscan", "keyframes", "--iframes-first", "--json", str(path)]
    run = subprocess.run([*args, "--keyframes", "motion"], capture_output=True, text=True, check=True)
    data = json.loads(run.stdout)
    assert data["strategy"].startswith("motion (I-frames first: 3 of 5")
    assert any(k["reason"] in EVENTS and ENTER <= k["time"] <= ENTER + CROSS for k in data["keyframes"])
    refused = subprocess.run([*args, "--keyframes", "text"], capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "cannot follow text changes" in refused.stderr


# Keyframes left undecoded where the stream's own sizes show a still scene (keyframes/quiet_stretches.py):
# a minute of a fixed camera, keyframes every 2 s, a figure crossing at 24 s and again at 44 s.
TWICE = (24.0, 44.0)
_CBR = ["-b:v", "300k", "-maxrate", "300k", "-minrate", "300k", "-bufsize", "100k"]
_CBR += ["-x264-params", "nal-hrd=cbr"]  # filler: every stretch the same size


def _both_crossings(selection: KeyframeSelection) -> None:
    for enter in TWICE:
        assert _events(selection, enter, enter + CROSS), (enter, selection.keyframes)
    assert not _events(selection, 0.0, TWICE[0]) and not _events(selection, TWICE[0] + CROSS, TWICE[1])
    assert not _events(selection, TWICE[1] + CROSS, 99.0)


def _with_and_without_sizes(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[KeyframeSelection, ...]:
    """The full pass, I-frames first read by PyAV (which reads the sizes) and by ffmpeg (which does not)."""
    full, fast = _select(path), _select(path, iframes_first=True)
    monkeypatch.setenv("VIDSCAN_PYAV", "0")
    by_ffmpeg = _select(path, iframes_first=True)
    for selection in (full, fast, by_ffmpeg):
        _both_crossings(selection)
    assert "left undecoded" not in by_ffmpeg.strategy
    return full, fast, by_ffmpeg


_HEVC = ["-c:v", "libx265", "-preset", "ultrafast", "-crf", "28"]
_HEVC += ["-x265-params", "log-level=error:keyint=30:min-keyint=30:scenecut=0:open-gop=1"]
_B_FRAMES = ["-preset", "veryfast", "-bf", "3", "-crf", "26"]
_IRREGULAR = ["-g", "300", "-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced*1.7)"]


@pytest.mark.parametrize(
    ("codec", "keyframes", "counts"),
    [
        (None, None, "6 of 29 keyframe gaps decoded, 5 keyframes left undecoded"),
        (_HEVC, None, "6 of 29 keyframe gaps decoded, 5 keyframes left undecoded"),
        (_B_FRAMES, _IRREGULAR, "8 of 35 keyframe gaps decoded, 7 keyframes left undecoded"),
    ],
    ids=["h264", "h265 open GOP", "h264 B-frames, a keyframe every 1.7 s"],
)
def test_a_still_scenes_keyframes_are_left_undecoded_where_the_sizes_show_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    codec: list[str] | None,
    keyframes: list[str] | None,
    counts: str,
) -> None:
    # Little sensor noise (2 grey levels): a quiet stretch costs about 1.8 kB, the crossing 11-33 kB.
    # Once the first crossing has shown that (and 8 keyframes later: decisions wait for the detectors),
    # keyframes whose stretches cost what the quiet ones do are not decoded, and the second crossing
    # is found as before, from the stretch whose size rose.
    path = tmp_path / "twice.mp4"
    crossing(path, TWICE, CROSS, seconds=60.0, noise=2, codec=codec, keyframes=keyframes)
    _, fast, by_ffmpeg = _with_and_without_sizes(path, monkeypatch)
    assert counts in fast.strategy
    assert fast.frames_decoded < by_ffmpeg.frames_decoded  # a stretch from a keyframe left out has it
    assert fast.iframe_interval == by_ffmpeg.iframe_interval  # counted over every keyframe, decoded or not
    monkeypatch.delenv("VIDSCAN_PYAV")
    again = _select(path, iframes_first=True)  # the same decisions however the threads ran
    assert again.strategy == fast.strategy and again.keyframes == fast.keyframes


def test_a_light_switched_off_at_a_keyframe_shows_in_its_size(tmp_path: Path) -> None:
    # The light drops at 42 s, a keyframe, and the pictures after it cost what the quiet ones did: the
    # keyframe's own size (2% smaller) moved by more than a still scene's keyframes do (0.2%), so it is
    # decoded, and the change is found at once, as the full pass finds it (with a 2% threshold, 17 s late).
    path = crossing(tmp_path / "dimmed.mp4", 24.0, CROSS, seconds=60.0, noise=2, dim_at=42.0)
    full, fast = _select(path), _select(path, iframes_first=True)
    assert "keyframes left undecoded" in fast.strategy
    assert full.cuts == fast.cuts == (42.0,)


@pytest.mark.parametrize(
    ("noise", "codec"),
    [(8, None), (2, _CBR)],
    ids=["grain: a crossing costs 3% more than the quiet", "constant bitrate: every stretch costs the same"],
)
def test_where_the_sizes_do_not_show_a_change_every_keyframe_is_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, noise: int, codec: list[str] | None
) -> None:
    path = crossing(tmp_path / "twice.mp4", TWICE, CROSS, seconds=60.0, noise=noise, codec=codec)
    _, fast, by_ffmpeg = _with_and_without_sizes(path, monkeypatch)
    assert "left undecoded" not in fast.strategy
    assert fast.frames_decoded == by_ffmpeg.frames_decoded


def test_a_verdict_never_told_costs_one_wait_not_one_per_keyframe(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each decision waits for the verdicts 8 keyframes back. Should one never come (a keyframe handed
    # over and lost on the way), the first decision that needs it waits _STALL seconds, and no later
    # one waits at all: the run goes on at its own pace.
    from vidscan.keyframes import quiet_stretches
    from vidscan.keyframes.iframes import SparseCounts

    monkeypatch.setattr(quiet_stretches, "_STALL", 0.3)
    gate = quiet_stretches.QuietStretches(SparseCounts())
    waits = []
    for number in range(20):
        started = time.monotonic()
        assert gate.decode(2.0 * number, None, 1000)
        waits.append(time.monotonic() - started)
        gate.handed(2.0 * number)
        if number:  # the first keyframe's verdict is never told
            gate.seen(2.0 * number, None, False, False, edited=False)
    assert waits[8] >= 0.3 and max(waits[:8] + waits[9:]) < 0.1, waits
