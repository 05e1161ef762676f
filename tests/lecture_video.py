"""A short lecture video with known slides and narration, for OCR, transcript and notes tests.

Three slides rendered with PIL (a title and bullet lines with distinctive words), each on screen for a
known time, narrated by espeak-ng with other distinctive words (spoken words never appear on a slide,
so a test can tell which source reached the notes), muxed by ffmpeg into an H.264/AAC MP4:

    lecture = make_lecture_video(tmp_path / "lecture.mp4")   # or cached_lecture_video(): built once
    lecture.slides[1].start, lecture.slides[1].slide_words, lecture.slides[1].spoken_words

Needs ffmpeg and espeak-ng (``apt-get install espeak-ng``); ``require_espeak()`` skips the test without.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
SIZE = (1280, 720)
CACHE_DIR = Path.home() / ".cache" / "vidscan-test"


@dataclass(frozen=True)
class SlideSpec:
    title: str
    bullets: tuple[str, ...]
    narration: str  # what the speaker says while the slide is shown
    slide_words: tuple[str, ...]  # words only on the slide
    spoken_words: tuple[str, ...]  # words only in the narration (as Whisper spells them)


@dataclass(frozen=True)
class ShownSlide:
    spec: SlideSpec
    start: float  # seconds the slide appears
    end: float  # seconds it is replaced

    @property
    def slide_words(self) -> tuple[str, ...]:
        return self.spec.slide_words

    @property
    def spoken_words(self) -> tuple[str, ...]:
        return self.spec.spoken_words


@dataclass(frozen=True)
class LectureVideo:
    path: Path
    slides: tuple[ShownSlide, ...]
    duration: float


LECTURE = (
    SlideSpec(
        title="Volcanic Geology",
        bullets=("Basalt cools quickly", "Magma chambers feed eruptions"),
        narration="Let me tell you about penguins near the south pole.",
        slide_words=("Volcanic", "Basalt", "Magma"),
        spoken_words=("penguins",),
    ),
    SlideSpec(
        title="Glacier Erosion",
        bullets=("Moraines mark old ice", "Fjords are drowned valleys"),
        narration="Next, imagine a bicycle climbing a steep mountain road.",
        slide_words=("Glacier", "Moraines", "Fjords"),
        spoken_words=("bicycle", "mountain"),
    ),
    SlideSpec(
        title="Desert Landforms",
        bullets=("Dunes migrate downwind", "Mesas resist weathering"),
        narration="Finally, remember the guitar on the kitchen table.",
        slide_words=("Desert", "Dunes", "Mesas"),
        spoken_words=("guitar", "kitchen"),
    ),
)


def require_espeak() -> str:
    binary = shutil.which("espeak-ng")
    if binary is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    return binary


def speak(text: str, wav_path: Path, words_per_minute: int = 150) -> Path:
    """The text spoken by espeak-ng into a WAV file (a little slower than its default, for clarity)."""
    subprocess.run(
        [require_espeak(), "-v", "en-us", "-s", str(words_per_minute), "-w", str(wav_path), text],
        check=True,
        capture_output=True,
    )
    return wav_path


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)  # Pillow >= 10.1 scales its built-in font


def render_slide(title: str, lines: tuple[str, ...] | list[str], size: tuple[int, int] = SIZE) -> Image.Image:
    """A white slide: a large title and bullet lines in a clear black font."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    scale = size[0] / 1280
    draw.text((int(80 * scale), int(70 * scale)), title, font=font(int(72 * scale)), fill="black")
    for i, line in enumerate(lines):
        y = int((260 + 110 * i) * scale)
        draw.text((int(110 * scale), y), f"• {line}", font=font(int(48 * scale)), fill="black")
    return image


def make_lecture_video(
    path: Path, slides: tuple[SlideSpec, ...] = LECTURE, seconds_per_slide: float = 5.0, fps: int = 5
) -> LectureVideo:
    """The MP4 at `path`: each slide on screen for `seconds_per_slide`, its narration from its start."""
    work = path.parent / f"{path.stem}-parts"
    work.mkdir(parents=True, exist_ok=True)
    inputs: list[str] = []
    for i, spec in enumerate(slides):
        render_slide(spec.title, spec.bullets).save(work / f"slide{i}.png")
        inputs += ["-loop", "1", "-framerate", str(fps), "-t", str(seconds_per_slide)]
        inputs += ["-i", str(work / f"slide{i}.png")]
    for i, spec in enumerate(slides):
        inputs += ["-i", str(speak(spec.narration, work / f"speech{i}.wav"))]
    n = len(slides)
    graph = [f"[{i}:v]format=yuv420p,setsar=1[v{i}]" for i in range(n)]
    # Each narration padded (or cut) to its slide's time, so speech i plays exactly under slide i.
    graph += [
        f"[{n + i}:a]aresample=16000,apad=whole_dur={seconds_per_slide},atrim=0:{seconds_per_slide}[a{i}]"
        for i in range(n)
    ]
    graph.append("".join(f"[v{i}][a{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=1[v][a]")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *inputs, "-filter_complex", ";".join(graph)]
        + ["-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast", "-g", str(fps)]
        + ["-c:a", "aac", "-b:a", "64k", str(path)],
        check=True,
    )
    return _lecture(path, slides, seconds_per_slide)


def cached_lecture_video(
    slides: tuple[SlideSpec, ...] = LECTURE, seconds_per_slide: float = 5.0
) -> LectureVideo:
    """The lecture video from ~/.cache/vidscan-test, made there the first time (treat it as read-only)."""
    require_espeak()
    key = hashlib.sha256(repr((slides, seconds_per_slide, SIZE)).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"lecture-{key}.mp4"
    if not path.is_file():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        # Made in a private folder and renamed, so a concurrent test worker never reads half a file.
        with tempfile.TemporaryDirectory(dir=CACHE_DIR) as work:
            made = make_lecture_video(Path(work) / "lecture.mp4", slides, seconds_per_slide)
            os.replace(made.path, path)
    return _lecture(path, slides, seconds_per_slide)


def _lecture(path: Path, slides: tuple[SlideSpec, ...], seconds_per_slide: float) -> LectureVideo:
    shown = tuple(
        ShownSlide(spec, i * seconds_per_slide, (i + 1) * seconds_per_slide) for i, spec in enumerate(slides)
    )
    return LectureVideo(path, shown, len(slides) * seconds_per_slide)
