"""The keyframe strategies on synthetic clips with exact events and on real clips with known content."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests import synthetic
from tests.conftest import SAMPLE_VIDEOS, shared_video
from vidscan import media
from vidscan.keyframes import STRATEGIES, KeyframeOptions, apply_budget, select_keyframes
from vidscan.keyframes import selection as selection_module
from vidscan.keyframes.text import TextDetector
from vidscan.types import Keyframe, KeyframeSelection

REASONS = {
    "start",
    "cut",
    "fade",
    "dissolve",
    "activity-start",
    "activity-peak",
    "settled",
    "text-change",
    "coverage",
    "heartbeat",
}


def _select(path: Path, **options: object) -> KeyframeSelection:
    return select_keyframes(media.probe(str(path)), KeyframeOptions(**options))  # type: ignore[arg-type]


def _times(selection: KeyframeSelection) -> list[float]:
    return [k.time for k in selection.keyframes]


@pytest.mark.parametrize("strategy", ["auto", "motion"])
def test_an_object_that_appears_and_stays_gets_a_keyframe_showing_it(tmp_path: Path, strategy: str) -> None:
    selection = _select(synthetic.appearing_object(tmp_path / "appear.mp4", appear=4.0), strategy=strategy)
    after = [k for k in selection.keyframes if k.time >= 4.5]  # the box is fully in from 4.5 s
    assert after, _times(selection)
    assert any(k.segment[0] <= 4.5 for k in after)  # and it stands for the change
    assert [k for k in selection.keyframes if k.time < 4.0]  # the empty room before it


@pytest.mark.parametrize("strategy", ["auto", "text"])
def test_one_new_bullet_on_a_slide_gives_a_keyframe(tmp_path: Path, strategy: str) -> None:
    bullets = [2.0, 6.0]
    selection = _select(synthetic.slides(tmp_path / "slides.mp4", bullets, 9.0), strategy=strategy)
    for lo, hi in [(0.0, 2.0), (2.0, 6.0), (6.0, 9.0)]:
        assert [t for t in _times(selection) if lo <= t < hi], (lo, hi, _times(selection))
    assert len(selection.keyframes) == 3
    assert [k.reason for k in selection.keyframes][1:] == ["text-change", "text-change"]


@pytest.mark.parametrize("strategy", ["auto", "text"])
def test_a_one_word_bullet_gives_a_keyframe(tmp_path: Path, strategy: str) -> None:
    # "- No" in 26-px type changes fewer edges than a mouse pointer that moved: what tells it apart is
    # that it only adds, in a run wider than it is tall.
    path = synthetic.slides(tmp_path / "short.mp4", [2.0, 6.0, 10.0], 13.0, words=("Yes", "No", "OK"))
    selection = _select(path, strategy=strategy)
    for lo, hi in [(0.0, 2.0), (2.0, 6.0), (6.0, 10.0), (10.0, 13.0)]:
        assert [t for t in _times(selection) if lo <= t < hi], (lo, hi, _times(selection))
    assert len(selection.keyframes) == 4


def test_a_dashboard_refreshing_every_second_is_not_a_keyframe_per_refresh(tmp_path: Path) -> None:
    # `top` refreshed nine times, a second apart: each refresh keeps most of the screen and changes the
    # same places at the same pace. After two such refreshes the next stands in for the one before: the
    # screen before any refresh, the first refresh, and the last (before: a keyframe per refresh, 10).
    path = synthetic.dashboard(tmp_path / "top.mp4", [float(t) for t in range(1, 10)], 10.0)
    times = _times(_select(path))
    assert len(times) <= 4, times
    assert times[0] < 1.0 and times[-1] >= 9.0, times  # the screen first shown, and as last refreshed


def test_values_changed_in_place_at_a_users_pace_each_get_a_keyframe(tmp_path: Path) -> None:
    # The same screen changed in place at irregular times (a user changing a setting, a value typed in
    # a form): each state is one, however alike the changes.
    changes = [2.0, 3.3, 5.9, 7.0]
    times = _times(_select(synthetic.dashboard(tmp_path / "form.mp4", changes, 9.0)))
    for lo, hi in zip([0.0, *changes], [*changes, 9.0], strict=True):
        assert [t for t in times if lo <= t < hi], (lo, hi, times)


def test_a_cut_between_the_two_fields_of_an_interlaced_frame_is_found(tmp_path: Path) -> None:
    # The frame at the cut holds the first shot on its top lines and the second on its bottom lines:
    # seen whole, the cut is two changes of half its size, each under the cut detector's threshold
    # (before: no cut). The analysis picture of an interlaced video is its first field alone.
    selection = _select(synthetic.interlaced_cut(tmp_path / "broadcast.mp4"), strategy="scenes")
    assert [k.reason for k in selection.keyframes] == ["start", "cut"], _times(selection)
    assert selection.keyframes[1].segment[0] == pytest.approx(4.04, abs=0.04)


def test_a_bullet_that_fades_in_slowly_is_shown_once_it_has_come_in_full(tmp_path: Path) -> None:
    # A presentation tool's fade eases out: the bullet is most of the way in within a few looks, and
    # its last 2 s move fewer edges per look than any change; the screen counts as still long before
    # the fade ends. Its keyframe is taken from within the state as it stood, up to the next change
    # (here the end), not half a second after the edges stopped moving (before: 1.4 s, the bullet at
    # half its contrast).
    selection = _select(synthetic.fading_bullet(tmp_path / "fade.mp4", fade=2.0, stay=6.0))
    assert [k.reason for k in selection.keyframes] == ["start", "text-change"], _times(selection)
    assert selection.keyframes[1].time >= 3.0, _times(selection)


@pytest.mark.parametrize("strategy", ["auto", "text"])
def test_slides_that_zoom_in_and_stay_briefly_each_get_a_settled_keyframe(
    tmp_path: Path, strategy: str
) -> None:
    # reveal.js's zoom eases out: each look moves the slide's edges less than the one before, and on a
    # slide with little text the last look moves too few to count as a change at once. The change is
    # still one, read once the slide stands still (text_settle_at_once), not held back a second as
    # drawing is. Before, a slide that stayed 0.6 s got no keyframe.
    stay = 0.6
    path = synthetic.zooming_slides(tmp_path / "zoom.mp4", stay)
    selection = _select(path, strategy=strategy)
    for k in range(1, 4):
        began = 1.0 + (k - 1) * (0.8 + stay)
        # from 0.6 s into the zoom (under a pixel from the slide's size) to the next slide's (the last
        # one stands a second more, to the end)
        end = began + 0.8 + stay + (1.0 if k == 3 else 0.0)
        assert [t for t in _times(selection) if began + 0.6 <= t < end], (k, _times(selection))


@pytest.mark.parametrize("strategy", ["auto", "text"])
def test_short_bullets_shown_for_half_a_second_each_get_a_keyframe(tmp_path: Path, strategy: str) -> None:
    # A deck paged quickly: each bullet of a word or two moves fewer edges than a line of output
    # does (more than a one-word bullet, which counts as a line typed at once), yet it came between
    # two looks, began a row of its own and stood still: it is read at once (text_settle_at_once),
    # not held back until a pause of a second as drawing is. Before, the four were one keyframe.
    bullets = [2.0, 2.7, 3.4, 4.1]
    words = ("Dark themes", "Short pauses", "Small text", "GIFs")
    path = synthetic.slides(tmp_path / "quick.mp4", bullets, 6.0, words=words)
    selection = _select(path, strategy=strategy)
    for lo, hi in zip([0.0, *bullets], [*bullets, 6.0], strict=True):
        assert [t for t in _times(selection) if lo <= t < hi], (lo, hi, _times(selection))


def test_slides_after_a_long_camera_shot_still_get_a_keyframe_per_bullet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under auto the text detector rests where no frame has stood still for a while (a camera): its
    # edges would not be used there. It must wake up for the slides that follow.
    pauses: list[float] = []
    pause = TextDetector.pause
    monkeypatch.setattr(
        TextDetector, "pause", lambda self, frame: (pauses.append(frame.time), pause(self, frame))
    )
    path = synthetic.camera_then_slides(tmp_path / "talk.mp4", 15.0, [18.0, 21.0, 24.0], 27.0)
    selection = _select(path)
    assert pauses and max(pauses) < 15.5, pauses  # rested during the camera shot only
    for lo, hi in [(15.0, 18.0), (18.0, 21.0), (21.0, 24.0), (24.0, 27.0)]:
        assert [t for t in _times(selection) if lo <= t < hi], (lo, hi, _times(selection))
    assert "text" in selection.strategy


def test_ffmpeg_leaves_out_the_text_pictures_while_the_text_detector_rests_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a long rest ffmpeg is started again without the text detector's pictures, and with them
    # when a screen comes. (The rest must last a minute before that; here 2 s, to keep the clip short.)
    path = synthetic.camera_then_slides(tmp_path / "talk.mp4", 15.0, [18.0, 21.0, 24.0], 27.0)
    monkeypatch.setattr(selection_module, "_DROP_AFTER", math.inf)
    kept = _select(path)
    decodes: list[tuple[int, float]] = []  # (detail_side, time resumed from) of each ffmpeg started
    decode_small = media.decode_small

    def spy(*args: Any, **kwargs: Any) -> Any:
        resume = kwargs.get("resume")
        decodes.append((args[2], resume[1] if resume else 0.0))
        return decode_small(*args, **kwargs)

    monkeypatch.setattr(media, "decode_small", spy)
    monkeypatch.setattr(selection_module, "_DROP_AFTER", 2.0)
    selection = _select(path)
    assert [side for side, _ in decodes] == [640, 0, 640], decodes
    dropped, woken = decodes[1][1], decodes[2][1]
    assert 12.0 < dropped < 13.0 and 15.0 <= woken < 15.5, decodes  # rest: 10 s without a still frame
    for lo, hi in [(15.0, 18.0), (18.0, 21.0), (21.0, 24.0), (24.0, 27.0)]:
        assert [t for t in _times(selection) if lo <= t < hi], (lo, hi, _times(selection))
    # The same keyframes as with the pictures kept, give or take the text detector's first look after
    # the wake, which now comes with the next picture (0.2 s later).
    assert [k.reason for k in selection.keyframes] == [k.reason for k in kept.keyframes]
    assert _times(selection) == pytest.approx(_times(kept), abs=0.5)


@pytest.mark.parametrize("outlined", [False, True])
def test_a_mouse_pointer_that_moves_and_rests_gives_no_keyframe(tmp_path: Path, outlined: bool) -> None:
    # outlined: a desktop's own arrow, which, joined as the letters of a word are (a few pixels apart),
    # is wider than tall; it is a pointer all the same, taller than wide.
    rests = ((400, 300), (820, 180), (300, 520), (640, 360))
    path = synthetic.resting_pointer(tmp_path / "pointer.mp4", rests, 15.0, outlined=outlined)
    selection = _select(path, strategy="text")
    assert len(selection.keyframes) == 1, [(k.time, k.reason) for k in selection.keyframes]


def test_a_status_bar_that_changes_under_a_still_slide_gives_no_keyframe(tmp_path: Path) -> None:
    path = synthetic.slides(tmp_path / "status.mp4", [2.0, 6.0], 12.0, status_times=(3.5, 8.0, 10.0))
    selection = _select(path, strategy="text")
    assert len(selection.keyframes) == 3, [(k.time, k.reason) for k in selection.keyframes]


def test_a_fade_through_black_gives_no_keyframe_in_the_black(tmp_path: Path) -> None:
    selection = _select(synthetic.fade_through_black(tmp_path / "fade.mp4"))
    times = _times(selection)
    # One keyframe for the first shot; the second (a test pattern whose band and dots move, as a fixed
    # camera's scene may) gets one, or more for what moves in it.
    assert len([t for t in times if t < 3.5]) == 1 and [t for t in times if t >= 3.5], times
    for t in times:
        assert not 2.5 <= t < 4.5, t  # dark part of the fade-out, black, dark part of the fade-in


def test_steady_typing_gives_one_keyframe_of_the_finished_command(tmp_path: Path) -> None:
    # The empty prompt before typing starts shows nothing the finished command does not: one keyframe.
    selection = _select(synthetic.typing(tmp_path / "typing.mp4"))
    assert len(selection.keyframes) == 1, [(k.time, k.reason) for k in selection.keyframes]
    (typed,) = selection.keyframes
    assert typed.time > 12.3 and typed.segment == (0.0, 14.0)  # once typing stopped, for all of it


def test_each_command_output_in_a_terminal_gets_a_keyframe_and_typing_none(tmp_path: Path) -> None:
    # Each Enter prints output and a prompt at once, and typing goes on 0.4 s later: the output is a
    # state a note-taker wants however short the pause, the typing in between is not. The blinking
    # cursor and the ticking clock in the bottom strip do not keep the screen from counting as settled.
    selection = _select(synthetic.terminal_session(tmp_path / "terminal.mp4"))
    outputs, t = [], 1.0
    for command, _ in synthetic.TERMINAL_COMMANDS:
        t += len(command) / 6.0 + 0.3
        outputs.append(t)
        t += 0.4
    keyframes = [k for k in selection.keyframes if k.reason != "start"]
    assert len(keyframes) == len(outputs), _times(selection)
    typing_resumes = [output + 0.4 for output in outputs[:-1]] + [selection.video.duration]
    for keyframe, output, resumes in zip(keyframes, outputs, typing_resumes, strict=True):
        assert keyframe.reason == "text-change"
        assert output <= keyframe.time < resumes, (output, _times(selection))


def test_a_terminal_typed_into_most_of_the_time_is_still_a_screen(tmp_path: Path) -> None:
    # A live demo at a talk's font size: three commands typed one after the other, each answered by a
    # line 0.3 s after its last letter and the next typed 0.8 s later. Letters come in most looks, each
    # changing a letter's worth of the picture: the screen still stands still around them, and each
    # answer is a state to show.
    path, outputs = synthetic.typed_without_a_break(tmp_path / "demo.mp4")
    selection = _select(path)
    assert "text" in selection.strategy, selection.strategy
    states = [k for k in selection.keyframes if k.reason == "text-change"]
    resumes = [output + 0.8 for output in outputs[:-1]] + [selection.video.duration]
    assert all(any(o <= k.time < r for k in states) for o, r in zip(outputs, resumes, strict=True)), (
        outputs,
        _times(selection),
    )


def test_typing_up_to_the_end_of_the_video_still_gives_its_last_state(tmp_path: Path) -> None:
    selection = _select(synthetic.terminal_session(tmp_path / "cut-short.mp4", seconds=10.0))
    last = selection.keyframes[-1]
    assert last.reason == "text-change" and last.time >= 9.0, _times(selection)


@pytest.mark.parametrize("strategy", ["auto", "motion"])
def test_noise_and_lighting_drift_are_not_activity(tmp_path: Path, strategy: str) -> None:
    selection = _select(synthetic.noisy_static(tmp_path / "still.mp4"), strategy=strategy, min_coverage=5.0)
    assert {k.reason for k in selection.keyframes} <= {"start", "coverage", "heartbeat"}


def test_every_strategy_gives_valid_keyframes_in_time_order(tmp_path: Path) -> None:
    path = synthetic.slides(tmp_path / "slides.mp4", [1.5], 4.0)
    for strategy in STRATEGIES:
        selection = _select(path, strategy=strategy, interval=1.0)
        assert selection.strategy.startswith(strategy)
        times = _times(selection)
        assert times and times == sorted(times)
        for kf in selection.keyframes:
            assert kf.reason in REASONS
            assert kf.segment[0] <= kf.time < kf.segment[1]
    assert len(_select(path, strategy="interval", interval=1.0).keyframes) == 4


def test_unknown_strategy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown keyframe strategy"):
        _select(synthetic.slides(tmp_path / "s.mp4", [], 1.0), strategy="magic")


def test_screencast_every_screen_gets_a_keyframe() -> None:
    screens = [0, 11.9, 15.6, 18.4, 20.5, 25.2, 29.3, 43.3, 46.5, 73.0]
    selection = _select(shared_video("screen_lecture/gh-scoped-creds_screencast.mp4"))
    for lo, hi in zip(screens, screens[1:], strict=False):
        assert [t for t in _times(selection) if lo <= t < hi], (lo, hi, _times(selection))


def test_a_bottle_taken_away_gets_a_keyframe_of_the_table_without_it() -> None:
    # MANIFEST: the left bottle is gone from about 6.6 s; the hand comes back for the next one at 12.5 s.
    # The table with two bottles differs from the start's three in one part of the picture only.
    selection = _select(shared_video("inspection/intel_bottle-detection.mp4"), strategy="motion")
    gone = [k for k in selection.keyframes if 6.6 < k.time < 12.4]
    assert gone and all(k.duplicate_of is None for k in gone), _times(selection)


def test_a_second_visitor_is_not_taken_for_the_first() -> None:
    # MANIFEST: one person at a time walks up to the table, stays and leaves; different people. A keyframe
    # of a visit may reuse the caption of the empty room, never that of another visitor.
    visits = [(6.6, 20.3), (23.0, 45.3), (50.4, 70.4), (74.8, 87.4), (92.5, 120.5), (123.8, 136.6)]
    selection = _select(shared_video("surveillance/intel_one-by-one-person-detection.mp4"), strategy="motion")
    keyframes = selection.keyframes

    def visit(time: float) -> int | None:
        return next((i for i, (lo, hi) in enumerate(visits) if lo <= time < hi), None)

    for kf in keyframes:
        if kf.duplicate_of is not None and visit(keyframes[kf.duplicate_of].time) is not None:
            assert visit(kf.time) == visit(keyframes[kf.duplicate_of].time), (kf, _times(selection))
    assert {visit(k.time) for k in keyframes if k.duplicate_of is None} >= set(range(len(visits)))


def test_budget_trims_the_least_important_keyframes_first() -> None:
    def kf(i: int, time: float, reason: str, score: float) -> Keyframe:
        return Keyframe(index=i, time=time, reason=reason, segment=(time, time + 1.0), score=score)

    keyframes = [kf(0, 0.5, "start", 2.0), kf(1, 2.0, "activity-peak", 1.0), kf(2, 3.0, "cut", 2.0)]
    keyframes += [kf(3, 8.0, "heartbeat", 0.2), kf(4, 9.0, "settled", 1.5)]
    kept = apply_budget(keyframes, 3, 10.0)
    assert [k.reason for k in kept] == ["start", "cut", "settled"]


def test_a_typist_who_pauses_mid_line_gives_one_keyframe_of_the_finished_line(tmp_path: Path) -> None:
    # Two seconds' thought after "pip install --upgrade": that half-typed line shows nothing the
    # finished one does not, so the finished line's keyframe takes its place.
    selection = _select(synthetic.typing(tmp_path / "pause.mp4", pause=(22, 2.0), seconds=17.0))
    assert len(selection.keyframes) == 1, _times(selection)
    assert selection.keyframes[0].time > 14.5, _times(selection)


def test_a_progress_bar_filling_step_by_step_is_one_state_and_the_results_after_it_another() -> None:
    # autocannon's demo GIF: each load test prints its settings and `running [ ] 0%` (15.5 s, 26.75 s),
    # fills the bar a fifth a second for four seconds, clears the line (20.5 s, 31.5 s) and prints a
    # table (21.5 s, 32.75 s). Each step of the bar only fills in the line the step before drew.
    selection = _select(SAMPLE_VIDEOS / "autocannon_demo.gif")
    times = _times(selection)
    for started, cleared, table in ((15.5, 20.5, 21.5), (26.75, 31.5, 32.75)):
        assert any(started <= t < started + 1.0 for t in times), times  # the settings and the empty bar
        assert len([t for t in times if started + 1.0 <= t < cleared]) <= 1, times  # four steps: one
        assert any(table <= t < table + 1.5 for t in times), times


def test_a_commands_output_that_comes_line_by_line_gets_a_keyframe_however_short_its_last_line() -> None:
    # reveal-run-in-terminal's demo GIF: on the first slide `node code/node-example.js` prints two lines
    # at once (2.64 s), then "stdout (250ms)" and "stderr (750ms)" (2.88 s); the output stands until the
    # next slide slides in at 4.41 s. The last line alone moves fewer edges than a change at once, but it
    # ends the command's output.
    times = _times(_select(SAMPLE_VIDEOS / "reveal_run_in_terminal_demo.gif"))
    assert any(2.88 <= t < 4.41 for t in times), times


def test_each_pen_stroke_under_the_last_gets_a_keyframe(tmp_path: Path) -> None:
    # A lecturer underlines a word, talks for 8 s, then underlines it again below the first stroke:
    # two states a note-taker wants, not one line drawn in two goes.
    selection = _select(synthetic.pen_strokes(tmp_path / "pen.mp4", strokes=(2.0, 11.0), seconds=16.0))
    times = _times(selection)
    assert any(2.7 <= t < 11.0 for t in times), times
    assert any(t >= 11.7 for t in times), times


def test_each_pen_stroke_further_along_the_line_gets_a_keyframe(tmp_path: Path) -> None:
    # The lecturer underlines "sem. sec.", talks for 8 s, then underlines words further along the same
    # line: a new annotation (typing would go on right where the line ended), so two states.
    path = synthetic.pen_strokes(tmp_path / "along.mp4", strokes=(2.0, 11.0), seconds=16.0, along=True)
    times = _times(_select(path))
    assert any(2.7 <= t < 11.0 for t in times), times
    assert any(t >= 11.7 for t in times), times


def test_slides_beside_a_lecturers_camera_get_a_keyframe_per_state_and_none_for_the_camera(
    tmp_path: Path,
) -> None:
    """A camera inset that never stands still (a lecturer swaying in front of a noisy sensor): the
    slide around it is still a screen, each new bullet gets its keyframe, and the camera none."""
    bullets = [12.0, 18.0, 24.0]
    selection = _select(synthetic.slides_with_camera(tmp_path / "lecture.mp4", bullets, 30.0))
    keyframes = [(k.time, k.reason) for k in selection.keyframes]
    assert "text" in selection.strategy, selection.strategy
    for lo, hi in [(0.0, 12.0), (12.0, 18.0), (18.0, 24.0), (24.0, 30.0)]:
        assert [t for t, _ in keyframes if lo <= t < hi], (lo, hi, keyframes)
    assert len(keyframes) == 4, keyframes
    assert [reason for _, reason in keyframes][1:] == ["text-change"] * 3, keyframes


def test_a_spinner_is_no_live_area_over_the_lines_beside_it(tmp_path: Path) -> None:
    """A spinner turning for 10 s changes its block in every look: a live area, but the still lines of
    text beside it are no camera's picture, and the commands' answers that come right below it later
    each get their keyframe (a box grown over them had hidden `npm test` and doubled `built`)."""
    selection = _select(synthetic.spinner_session(tmp_path / "spinner.mp4"))
    times = _times(selection)
    for lo, hi in [(12.0, 14.0), (14.0, 15.0), (15.0, 17.0), (17.0, 18.0), (18.0, 21.0)]:
        assert len([t for t in times if lo <= t < hi]) == 1, (lo, hi, times)


def test_a_lecturers_camera_from_the_first_frame_leaves_the_first_bullets_their_keyframes(
    tmp_path: Path,
) -> None:
    """A video call's recording shows the lecturer's camera from its first frame, and the lecture may
    begin at once: the camera is told apart within a second or two (it took 7 s: the clip was taken
    for a fixed camera and its bullets got no keyframe)."""
    bullets = [2.0, 4.0, 6.0]
    clip = synthetic.slides_with_camera(tmp_path / "call.mp4", bullets, 8.5)
    selection = _select(clip)
    keyframes = [(k.time, k.reason) for k in selection.keyframes]
    assert "text" in selection.strategy, selection.strategy
    for lo, hi in [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0), (6.0, 8.5)]:
        assert [t for t, _ in keyframes if lo <= t < hi], (lo, hi, keyframes)
    assert len(keyframes) == 4, keyframes


def test_a_deck_of_one_frame_per_slide_gets_a_keyframe_per_slide(tmp_path: Path) -> None:
    """Each slide is a single frame held 3 s (the stream runs at 1/3 frame/s), the last one up to the
    video's end: every slide is a state, as on a screen recorded at 30 frames/s."""
    selection = _select(synthetic.one_frame_per_slide(tmp_path / "deck.mp4", 5, 3.0))
    times = _times(selection)
    for lo in (0.0, 3.0, 6.0, 9.0, 12.0):
        assert [t for t in times if lo <= t < lo + 3.0], (lo, times)
    assert len(times) == 5, times


def test_a_dark_screens_tint_shifting_at_each_iframe_is_no_cut(tmp_path: Path) -> None:
    """Grey pixels have no hue: a dark background whose tint moves by 3 levels every 2 s (an encoder's
    I-frames) once scored as five cuts, and sent five copies of the same slide."""
    selection = _select(synthetic.dark_slides_tinted(tmp_path / "dark.mp4", change=6.0))
    assert [k.reason for k in selection.keyframes] == ["start", "text-change"], _times(selection)
    first, second = _times(selection)
    assert first < 6.0 <= second  # the second slide, which stands to the end (12 s)
