"""Speech to text with faster-whisper, and each keyframe's share of what was said.

``pip install 'vidscan[audio]'`` installs faster-whisper. A model name ("base", "small", ...) is
downloaded by faster-whisper on first use and cached; ``--whisper-model PATH`` names a local Whisper
model in CTranslate2 format instead (a folder with model.bin, config.json, tokenizer.json,
vocabulary.txt). Audio comes from ``media.extract_audio``, whose time 0 is the video's first frame,
so segment times are video times.
"""

from __future__ import annotations

import bisect
import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .errors import UsageError, VidscanError

# One transcription at a time: it already uses every core, and two would only thrash.
_transcribe_lock = threading.Lock()


class TranscriberUnavailable(VidscanError):
    """faster-whisper is not installed, or the model cannot be loaded."""


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str  # as Whisper writes it, usually with its leading space


@dataclass(frozen=True)
class Segment:
    start: float  # seconds from the video's first frame
    end: float
    text: str
    words: tuple[Word, ...] = ()  # word timings, when the model gave them


# (seconds of audio transcribed so far, seconds of audio in all)
AudioProgressFn = Callable[[float, float], None]


class HasSegment(Protocol):
    """A keyframe as align_to_keyframes needs it (vidscan.types.Keyframe is one)."""

    @property
    def index(self) -> int: ...

    @property
    def segment(self) -> tuple[float, float]: ...


def transcribe(
    audio_path: str | Path,
    model: str = "base",
    model_path: str | None = None,
    *,
    language: str | None = None,
    beam_size: int = 5,
    progress: AudioProgressFn | None = None,
) -> list[Segment]:
    """The speech in the audio file as timed segments ([] when nobody speaks).

    ``model`` is a Whisper size or name faster-whisper knows; ``model_path`` (--whisper-model) a local
    CTranslate2 model folder, which wins over ``model``. ``language`` None lets Whisper detect it.
    ``progress`` hears how far into the audio transcription has got, after each segment and at the end.
    """
    whisper = _load_model(_model_source(model, model_path))
    with _transcribe_lock:
        pieces, info = whisper.transcribe(
            str(audio_path),
            language=language,
            beam_size=beam_size,
            word_timestamps=True,  # aligns words, not whole sentences, to the slide on screen
            vad_filter=True,  # Whisper invents text in long silences; the VAD skips them
            condition_on_previous_text=False,  # one misheard phrase does not derail the rest
        )
        seconds = float(info.duration)
        segments = []
        for piece in pieces:  # the generator decodes as it is read
            segments.append(_segment(piece))
            if progress:
                progress(min(segments[-1].end, seconds), seconds)
    if progress:
        progress(seconds, seconds)  # the silence after the last words is done too
    return [s for s in segments if s.text]


def _model_source(model: str, model_path: str | None) -> str:
    if model_path is None:
        return model
    folder = Path(model_path)
    if not (folder / "model.bin").is_file():
        raise UsageError(
            f"--whisper-model {model_path}: not a Whisper model in CTranslate2 format "
            "(a folder with model.bin, config.json and tokenizer.json)"
        )
    return str(folder)


@functools.lru_cache(maxsize=2)
def _load_model(source: str) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise TranscriberUnavailable(
            "transcribing speech needs faster-whisper: pip install 'vidscan[audio]'"
        ) from None
    device, compute_type = _device()
    try:
        return WhisperModel(source, device=device, compute_type=compute_type)
    except (OSError, RuntimeError, ValueError) as exc:
        if type(exc).__name__ == "LocalEntryNotFoundError":  # huggingface_hub: not cached, no download
            detail = "it is not downloaded, and the Hugging Face Hub could not be reached to fetch it"
        else:
            detail = " ".join(str(exc).split())[:300]
        raise TranscriberUnavailable(
            f"cannot load the Whisper model {source!r} ({detail}); "
            "give a local model folder with --whisper-model PATH"
        ) from None


def _device() -> tuple[str, str]:
    """A GPU with half precision when CTranslate2 sees one, else the CPU with int8 (fastest there)."""
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        return "cuda", "float16"
    return "cpu", "int8"


def _segment(piece: Any) -> Segment:
    words = tuple(Word(float(w.start), float(w.end), str(w.word)) for w in piece.words or ())
    return Segment(float(piece.start), float(piece.end), " ".join(str(piece.text).split()), words)


def align_to_keyframes(segments: Sequence[Segment], keyframes: Sequence[HasSegment]) -> dict[int, str]:
    """What was said while each keyframe was on screen, by keyframe index.

    A keyframe is on screen from the start of its segment to the start of the next keyframe's segment
    (the first also gets what was said before it, the last everything after). Words are placed by
    their middle, so a sentence that runs across a slide change is split there; segments without word
    timings are placed whole by their middle. Keyframes with nothing said get "".
    """
    ordered = sorted(keyframes, key=lambda kf: kf.segment[0])
    if not ordered:
        return {}
    starts = [kf.segment[0] for kf in ordered]
    spoken: dict[int, list[str]] = {kf.index: [] for kf in ordered}
    for segment in segments:
        timed = segment.words or (Word(segment.start, segment.end, segment.text),)
        for word in timed:
            middle = (word.start + word.end) / 2
            on_screen = ordered[max(0, bisect.bisect_right(starts, middle) - 1)]
            spoken[on_screen.index].append(word.text.strip())
    return {index: " ".join(w for w in words if w) for index, words in spoken.items()}
