"""A real terminal session recorded as a screen recorder records one, with its units known.

    python -m benchmarks.record_terminal OUT.mp4                      # dark theme, 30 frames/s
    python -m benchmarks.record_terminal OUT.mp4 --light --fps 15 --pause 0.5

Needs Debian's xvfb, xterm and xdotool (`apt-get install xvfb xterm xdotool`); not part of the tests.
An xterm runs bash on a virtual X display (Xvfb), xdotool types eleven commands into it at about 14
keys a second, and ffmpeg records the display (x11grab, H.264 at CRF 23, as OBS or a desktop recorder
writes it). Each command's output is a unit: from 0.15 s after Enter (the output is on screen; the
progress bar's loop runs 2 s) to the first key of the next command. `clear` leaves an empty screen with a
prompt, which shows nothing, and is no unit. Writes OUT.mp4 and OUT.json (the units, in video time:
the first key pressed is found in the video and the session's clock set to it).

With `--deck`, the xterm shows a slide deck in mdp (Debian's markdown presentation tool: `apt-get
install mdp`) instead: twelve states, slides and bullets revealed one at a time, paged with the space bar
after 0.7 to 3 s each. Each state is a unit, from 0.15 s after its key press to the next one, but for
two slides of one line each (`one_line` in OUT.json: see DECK_STATES).

sample_videos/terminal_dark.mp4, terminal_fast.mp4 and terminal_deck.mp4 were made with it
(ATTRIBUTION.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

COMMANDS = (
    ("cd /usr/share/doc && ls | head -30", 2.5),
    ("cat /etc/os-release", 2.0),
    ("echo the build finished", 1.0),
    ("python3 -c 'import sys; print(sys.version)'", 1.5),
    (
        "for i in $(seq 1 20); do printf '\\r[%-20s] %3d%%' $(printf '#%.0s' $(seq 1 $i)) $((i*5)); "
        "sleep 0.1; done; echo",
        2.0,
    ),
    ("seq 1 60 | paste -sd' '", 1.5),
    ("clear", 1.5),
    ("df -h | head -8", 2.0),
    ("ls /nonexistent", 0.8),
    ("date -u +%Y", 0.6),
    ("uname -a", 2.0),
)  # fmt: skip
DECK = """%title: Keyframes from video
%author: vidscan team

-> # Keyframes from video <-

-> A talk in eight slides <-

-------------------------------------------------

# Why keyframes

* A report you can read instead of watching
^
* The frames that prove it
^
* Everything on your own machine

-------------------------------------------------

# The pipeline

1. Decode with ffmpeg
2. Find cuts, motion and new text
3. Describe each keyframe with a local model
4. Summarize into chapters

-------------------------------------------------

# Code

    from vidscan import analyze
    report = analyze("lecture.mp4", profile="lecture")
    for chapter in report.chapters:
        print(chapter.start, chapter.title)

-------------------------------------------------

# Numbers

| kind    | units | found |
|---------|-------|-------|
| shots   |    14 |    14 |
| screens |    60 |    59 |
| events  |    37 |    36 |

-------------------------------------------------

# What is hard

* Half a second of pause
^
* Dark themes
^
* Dithered GIFs

-------------------------------------------------

# Questions?

-------------------------------------------------

-> # Thank you <-
"""
# What each key press shows and how long it stays (the title slide first, before any key). The last
# two are one line of text on an empty screen: vidscan sends no picture of such a screen (a caption, a
# placeholder's words, a prompt after `clear`; ../shared/videos/units.json marks such a placeholder
# useless), so they are listed apart, as `one_line`, not as units.
DECK_STATES = (
    ("title", 3.0), ("why: first bullet", 2.0), ("why: second bullet", 1.2), ("why: third bullet", 0.8),
    ("the pipeline", 2.5), ("code", 3.0), ("numbers", 2.0), ("what is hard: first bullet", 1.5),
    ("what is hard: second bullet", 0.7), ("what is hard: third bullet", 1.0), ("questions", 2.0),
    ("thank you", 2.5),
)  # fmt: skip
ONE_LINE = ("questions", "thank you")
SHOWN = 0.15  # seconds from Enter to the output on screen
PROGRESS = 2.3  # the progress bar's loop: 20 steps of 0.1 s and the processes it starts


def _first_change(video: Path) -> float:
    """Video time of the first frame that differs from the one before by more than compression does."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    fps = capture.get(cv2.CAP_PROP_FPS)
    previous, index = None, 0
    while True:
        ok, frame = capture.read()
        if not ok:
            raise RuntimeError(f"{video}: nothing typed")
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if previous is not None and cv2.absdiff(grey, previous).max() > 60:
            return index / fps
        previous, index = grey, index + 1


@contextmanager
def virtual_display() -> Iterator[dict[str, str]]:
    """A virtual 1280x720 X display (Xvfb): yields the environment of programs shown on it."""
    display = ":99"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x720x24", "-nolisten", "tcp"])
    time.sleep(1.0)
    try:
        yield dict(os.environ, DISPLAY=display)
    finally:
        server.terminate()


@contextmanager
def screen_recording(out: Path, fps: int, env: dict[str, str]) -> Iterator[Callable[[], float]]:
    """The display of `env` recorded into `out` as a desktop recorder writes (x11grab, H.264 at CRF 23),
    a second past the end: yields a clock of seconds since the recorder started."""
    recorder = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "x11grab", "-framerate", str(fps)]
        + ["-video_size", "1280x720", "-i", env["DISPLAY"], "-c:v", "libx264", "-preset", "veryfast"]
        + ["-crf", "23", "-pix_fmt", "yuv420p", str(out)],
        env=env,
    )
    start = time.monotonic()
    try:
        yield lambda: time.monotonic() - start
        time.sleep(1.0)
    finally:
        recorder.terminate()
        recorder.wait()


def xdotool(env: dict[str, str], *args: str) -> None:
    subprocess.run(["xdotool", *args], env=env, check=True)


def record(out: Path, light: bool, fps: int, pause: float | None, deck: bool = False) -> dict[str, object]:
    colours = ("#202020", "#ffffff") if light else ("#d0d0d0", "#1e1e1e")
    xterm = ["xterm", "-fa", "DejaVu Sans Mono", "-fg", colours[0], "-bg", colours[1]]
    with tempfile.TemporaryDirectory() as folder, virtual_display() as env:
        if deck:
            (Path(folder) / "deck.md").write_text(DECK)
            # mdp's own colours, with the 256 colours a desktop terminal has
            command = [*xterm, "-geometry", "110x30+0+0", "-fs", "14", "-e", "mdp", "deck.md"]
            terminal_env = dict(env, TERM="xterm-256color", HOME=folder)
        else:
            command = [*xterm, "-geometry", "128x33+0+0", "-fs", "12", "-e", "bash", "--norc", "--noprofile"]
            terminal_env = dict(env, PS1="$ ", HOME="/tmp")
        terminal = subprocess.Popen(command, env=terminal_env, cwd=folder)
        time.sleep(1.5)
        with screen_recording(out, fps, env) as clock:
            session = _play(env, clock, deck, pause)
        terminal.terminate()
    return _units(out, session, fps, light, deck)


def _play(
    env: dict[str, str], clock: Callable[[], float], deck: bool, pause: float | None
) -> list[tuple[str, float, float, float]]:
    """Types the commands or pages the deck: (what is shown, the first key that led to it, when it is
    on screen, the next key), by `clock`."""
    session: list[tuple[str, float, float, float]] = []
    time.sleep(2.0)
    if deck:
        shown_at = 0.0  # the title slide, from the recording's start
        for i, (state, rest) in enumerate(DECK_STATES):
            time.sleep(rest)
            pressed = clock()
            session.append((state, pressed, shown_at, pressed))
            if i + 1 < len(DECK_STATES):
                xdotool(env, "key", "space")
                shown_at = pressed + SHOWN
    else:
        for command, rest in COMMANDS:
            typed = clock()
            xdotool(env, "type", "--delay", "70", command)
            time.sleep(0.3)
            xdotool(env, "key", "Return")
            entered = clock()
            shown = PROGRESS if "seq 1 20" in command else SHOWN
            time.sleep(shown + (rest if pause is None else pause))
            session.append((command, typed, entered + shown, clock()))
    return session


def in_video_time(
    out: Path, session: list[tuple[str, float, float, float]], left_out: tuple[str, ...] = ("clear",)
) -> list[dict[str, object]]:
    """The session's stretches (what is shown from when it is on screen to the next key) in video time,
    but for those `left_out`: the session's clock runs ahead of the video's, and its first key press
    is the first change in the video. No key follows the last: it stands to the recording's end."""
    from vidscan import media

    offset = session[0][1] - _first_change(out)
    end = media.probe(str(out)).duration
    return [
        {
            "command": c,
            "start": round(max(0.0, shown - offset), 2),
            "end": round(next_key - offset if i + 1 < len(session) else end, 2),
        }
        for i, (c, _, shown, next_key) in enumerate(session)
        if c not in left_out
    ]


def _units(
    out: Path, session: list[tuple[str, float, float, float]], fps: int, light: bool, deck: bool
) -> dict[str, object]:
    stretches = in_video_time(out, session)
    units = [s for s in stretches if s["command"] not in ONE_LINE]
    found: dict[str, object] = {"video": out.name, "fps": fps, "light": light, "units": units}
    if deck:
        found["one_line"] = [s for s in stretches if s["command"] in ONE_LINE]
    return found


def recording_arguments(doc: str | None, pause: str) -> argparse.ArgumentParser:
    """The options every recorder takes: where to write, frames a second, a pause for every state."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--pause", type=float, help=pause)
    return parser


def save(out: Path, found: dict[str, object]) -> None:
    """The units beside the recording (OUT.json), and printed."""
    out.with_suffix(".json").write_text(json.dumps(found, indent=1) + "\n")
    print(json.dumps(found, indent=1))


def main() -> None:
    parser = recording_arguments(__doc__, "seconds after every output (default: 0.6 to 2.5 s)")
    parser.add_argument("--light", action="store_true", help="dark text on white (default: light on dark)")
    parser.add_argument("--deck", action="store_true", help="page through a slide deck in mdp instead")
    args = parser.parse_args()
    save(args.out, record(args.out, args.light, args.fps, args.pause, args.deck))


if __name__ == "__main__":
    main()
