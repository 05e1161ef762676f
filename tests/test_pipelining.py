"""Keyframe selection and captioning overlap: keyframes that no later frame can change are described while
the decode pass still runs, and the final selection is exactly what it would have been without that."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests import synthetic
from tests.conftest import SAMPLE_VIDEOS, shared_video
from tests.fake_ollama import FakeOllama, describe_image
from vidscan import Options, analyze, probe, select_keyframes
from vidscan.keyframes import KeyframeOptions
from vidscan.progress import Progress, Stage

CARS = "surveillance/intel_car-detection.mp4"
PEOPLE = "surveillance/intel_one-by-one-person-detection.mp4"


@pytest.mark.parametrize("clip", ["bikes", CARS, PEOPLE], ids=lambda p: Path(p).stem)
def test_early_keyframes_are_final_keyframes_found_mid_pass(clip: str) -> None:
    # Resolved here, not at collection: a missing shared clip skips this case, not the whole module.
    video = SAMPLE_VIDEOS / "bikes.mp4" if clip == "bikes" else shared_video(clip)
    info = probe(str(video))
    reached = [0.0]
    early: list[tuple[float, float]] = []  # (keyframe time, how far the pass had got)
    selection = select_keyframes(
        info,
        KeyframeOptions(),
        lambda _n, t: reached.__setitem__(0, t),
        on_stable=lambda kf: early.append((kf.time, reached[0])),
    )
    final = {kf.time for kf in selection.keyframes}
    assert early, "no keyframe was known before the end of the pass"
    assert {t for t, _ in early} <= final  # no bet lost: each early one is in the final selection
    assert len({t for t, _ in early}) == len(early)  # none passed on twice
    assert len(early) >= len(final) // 2
    first_at = early[0][1]
    assert first_at < 0.75 * info.duration, f"first early keyframe only at {first_at:.1f}s of the pass"
    # Early keyframes come while the pass goes on, in time order.
    assert [t for t, _ in early] == sorted(t for t, _ in early)


class _Timeline(Progress):
    """Records when each stage ended."""

    def __init__(self) -> None:
        super().__init__("quiet")
        self.ended: dict[str, float] = {}

    def stage(self, name: str, total: float | None = None, unit: str = "", clock: bool = False) -> Stage:
        stage = super().stage(name, total, unit, clock)
        close = stage.close

        def closed(outcome: str | None = None) -> None:
            self.ended[name] = time.monotonic()
            close(outcome)

        stage.close = closed  # type: ignore[method-assign]
        return stage


def _caption_requests(server: FakeOllama) -> list[Any]:
    return [body for body in server.requests_to("/api/chat") if body and body["messages"][-1].get("images")]


def test_captioning_starts_before_the_pass_ends_and_nothing_is_described_twice(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    first_request: list[float] = []

    def caption(image: Image.Image, _request: dict) -> dict:
        first_request.append(time.monotonic())
        return describe_image(image)

    fake_ollama.caption_for = caption
    video = shared_video(PEOPLE)
    timeline = _Timeline()
    result = analyze(str(video), Options(out=tmp_path / "early", host=fake_ollama.url), progress=timeline)
    run = result.data["run"]
    assert run["status"] == "complete"
    assert min(first_request) < timeline.ended["video covered"]  # the model was busy during the pass
    assert run["early_captions"] >= 3 and run["unused_captions"] == 0
    originals = [k for k in result.data["keyframes"] if k["duplicate_of"] is None]
    assert len(_caption_requests(fake_ollama)) == len(originals)  # one call per distinct keyframe
    frames = sorted(p.name for p in (result.report_dir / "frames").iterdir())
    assert frames == sorted(Path(k["image"]).name for k in result.data["keyframes"])  # no early leftovers

    # The same run without early captions gives the same report.
    fake_ollama.reset_records()
    late = analyze(
        str(video),
        Options(out=tmp_path / "late", host=fake_ollama.url, early_captions=False, use_cache=False),
    )
    assert late.data["run"]["early_captions"] == 0

    def essentials(data: dict) -> list[tuple]:
        return [(k["time"], k["reason"], k["image"], k["caption"]) for k in data["keyframes"]]

    assert essentials(late.data) == essentials(result.data)
    for kf in result.data["keyframes"]:  # and each early frame file is the frame at its time
        early_jpeg = (result.report_dir / kf["image"]).read_bytes()
        assert early_jpeg == (late.report_dir / kf["image"]).read_bytes()
    assert json.dumps(late.data["keyframes"], sort_keys=True) == json.dumps(
        result.data["keyframes"], sort_keys=True
    )


class _Counts(Progress):
    """Records each count and total the caption stage shows."""

    def __init__(self) -> None:
        super().__init__("quiet")
        self.counts: list[tuple[float, float | None]] = []

    def stage(self, name: str, total: float | None = None, unit: str = "", clock: bool = False) -> Stage:
        stage = super().stage(name, total, unit, clock)
        if name == "keyframes captioned":
            update = stage.update

            def shown(done: float, total: float | None = None) -> None:
                update(done, total)
                self.counts.append((stage.done, stage.total))

            stage.update = shown  # type: ignore[method-assign]
        return stage


def test_captions_of_a_lost_bet_are_not_counted_against_the_final_selection(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    # A fixed camera for 18 s where two boxes come in, then three shots cut in: until the cuts come it is a
    # camera's clip, and its first keyframes are described early; the cuts make it edited, four
    # keyframes. The progress never shows more captioned than there are keyframes (it showed 10/3).
    video = synthetic.camera_then_shots(tmp_path / "camera_then_shots.mp4")
    counts = _Counts()
    result = analyze(str(video), Options(out=tmp_path / "out", host=fake_ollama.url), progress=counts)
    run = result.data["run"]
    assert run["unused_captions"] > 0 and len(result.data["keyframes"]) == 4, run
    final = [(done, total) for done, total in counts.counts if total == 4]
    assert final and all(done <= total for done, total in final), counts.counts
    assert final[-1] == (4, 4), counts.counts


def test_once_a_cut_has_come_a_films_moves_wait_to_be_events(tmp_path: Path) -> None:
    # Popeye from 20 s on looks like a fixed camera until its second cut, 11 s in, joins three views. The
    # figures' moves after the first cut were described early as a camera's events, and lost (four
    # model calls for nothing); a shot of a video with a cut now waits until it is held for a minute,
    # as a camera's view is and a film's shot is not, or the video is edited.
    excerpt = synthetic.excerpt(
        shared_video("shot_boundary/showorder-popeye_p1.mkv"), tmp_path / "excerpt.mp4", 20.0
    )
    early: list[float] = []
    selection = select_keyframes(
        probe(str(excerpt)), KeyframeOptions(), on_stable=lambda kf: early.append(kf.time)
    )
    final = {kf.time for kf in selection.keyframes}
    assert len(final) == 3
    assert early and set(early) <= final, (sorted(early), sorted(final))
