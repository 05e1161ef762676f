"""Speech to text (faster-whisper with Whisper base from PyPI) and each keyframe's share of the speech."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Shot, make_video
from tests.lecture_video import LectureVideo, cached_lecture_video
from tests.whisper_fixture import whisper_base  # noqa: F401  (fixture)
from vidscan.errors import InputError, UsageError
from vidscan.media import extract_audio, probe
from vidscan.transcribe import Segment, TranscriberUnavailable, Word, align_to_keyframes, transcribe
from vidscan.types import Keyframe


def keyframe(index: int, start: float, end: float) -> Keyframe:
    return Keyframe(index=index, time=(start + end) / 2, reason="cut", segment=(start, end))


def test_each_keyframe_gets_the_words_said_while_it_was_on_screen() -> None:
    words = (Word(3.0, 3.4, " the"), Word(3.4, 3.9, " slide"), Word(4.1, 4.5, " changes"))
    segments = [Segment(0.5, 2.0, "Before anything.", ()), Segment(3.0, 4.5, "the slide changes", words)]
    aligned = align_to_keyframes(segments, [keyframe(7, 4.0, 9.0), keyframe(3, 1.0, 4.0)])
    # Speech before the first keyframe belongs to it; a sentence running across the change is split.
    assert aligned == {3: "Before anything. the slide", 7: "changes"}


def test_a_segment_without_word_timings_goes_whole_to_the_keyframe_at_its_middle() -> None:
    segments = [Segment(8.0, 12.0, "late remark", ())]
    assert align_to_keyframes(segments, [keyframe(0, 0.0, 9.0), keyframe(1, 9.0, 20.0)]) == {
        0: "",
        1: "late remark",
    }


def test_nothing_to_align_to() -> None:
    assert align_to_keyframes([Segment(0.0, 1.0, "hello")], []) == {}


def test_a_folder_without_model_bin_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--whisper-model .*CTranslate2"):
        transcribe(tmp_path / "speech.wav", model_path=str(tmp_path))


def test_a_model_neither_downloaded_nor_reachable_says_so_in_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first run on a machine without internet: the Hub's own message is three sentences about
    # snapshot folders and revisions.
    pytest.importorskip("faster_whisper")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(TranscriberUnavailable) as raised:
        transcribe(tmp_path / "speech.wav", model="tiny")
    assert str(raised.value) == (
        "cannot load the Whisper model 'tiny' (it is not downloaded, and the Hugging Face Hub could not be "
        "reached to fetch it); give a local model folder with --whisper-model PATH"
    )


def test_extract_audio_refuses_a_video_without_sound(tmp_path: Path) -> None:
    video = make_video(tmp_path / "silent.mp4", [Shot("red", 1.0)])
    with pytest.raises(InputError, match="no audio stream"):
        extract_audio(probe(str(video)), tmp_path / "audio.wav")


@pytest.fixture(scope="module")
def lecture() -> LectureVideo:
    return cached_lecture_video()


@pytest.fixture(scope="module")
def lecture_transcription(
    lecture: LectureVideo,
    whisper_base: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[Segment], list[tuple[float, float]]]:
    """The lecture's speech, and each (seconds done, seconds in all) that transcription reported."""
    wav = extract_audio(probe(str(lecture.path)), tmp_path_factory.mktemp("speech") / "lecture.wav")
    reported: list[tuple[float, float]] = []
    # Greedy decoding (beam 1) keeps the test fast; the default beam of 5 is for users.
    segments = transcribe(
        wav,
        model_path=str(whisper_base),
        language="en",
        beam_size=1,
        progress=lambda done, total: reported.append((done, total)),
    )
    return segments, reported


@pytest.fixture(scope="module")
def lecture_speech(lecture_transcription: tuple[list[Segment], list[tuple[float, float]]]) -> list[Segment]:
    return lecture_transcription[0]


def test_transcription_reports_its_progress_in_seconds_of_audio(
    lecture: LectureVideo, lecture_transcription: tuple[list[Segment], list[tuple[float, float]]]
) -> None:
    segments, reported = lecture_transcription
    done = [d for d, _ in reported]
    assert all(abs(total - lecture.duration) < 0.1 for _, total in reported), reported
    assert done == sorted(done) and done[-1] == reported[-1][1]  # forward only, to the end of the audio
    # while it runs, not only at the end: as each segment is transcribed, at the time it ends
    ends = [s.end for s in segments]
    assert len(ends) >= 2 and all(end in done[:-1] for end in ends), (ends, done)


def test_spoken_words_come_back_at_the_time_they_were_said(
    lecture: LectureVideo, lecture_speech: list[Segment]
) -> None:
    for slide in lecture.slides:
        said = " ".join(s.text for s in lecture_speech if slide.start - 0.5 <= s.start < slide.end).lower()
        for word in slide.spoken_words:
            assert word in said, (word, slide.start, [(s.start, s.text) for s in lecture_speech])


def test_the_speech_is_aligned_to_the_slide_on_screen(
    lecture: LectureVideo, lecture_speech: list[Segment]
) -> None:
    keyframes = [keyframe(i, s.start, s.end) for i, s in enumerate(lecture.slides)]
    aligned = align_to_keyframes(lecture_speech, keyframes)
    for i, slide in enumerate(lecture.slides):
        text = aligned[i].lower()
        assert all(word in text for word in slide.spoken_words), (i, aligned)
        others = [w for other in lecture.slides if other is not slide for w in other.spoken_words]
        assert not any(word in text for word in others), (i, aligned)
