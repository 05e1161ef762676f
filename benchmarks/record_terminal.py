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

sample_videos/terminal_dark.mp4 and terminal_fast.mp4 were made with it (ATTRIBUTION.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
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


def record(out: Path, light: bool, fps: int, pause: float | None) -> dict[str, object]:
    display = ":99"
    env = dict(os.environ, DISPLAY=display)
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x720x24", "-nolisten", "tcp"])
    time.sleep(1.0)
    colours = ("#202020", "#ffffff") if light else ("#d0d0d0", "#1e1e1e")
    terminal = subprocess.Popen(
        ["xterm", "-geometry", "128x33+0+0", "-fa", "DejaVu Sans Mono", "-fs", "12"]
        + ["-fg", colours[0], "-bg", colours[1], "-e", "bash", "--norc", "--noprofile"],
        env=dict(env, PS1="$ ", HOME="/tmp"),
    )
    time.sleep(1.5)
    recorder = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "x11grab", "-framerate", str(fps)]
        + ["-video_size", "1280x720", "-i", display, "-c:v", "libx264", "-preset", "veryfast"]
        + ["-crf", "23", "-pix_fmt", "yuv420p", str(out)],
        env=env,
    )
    start = time.monotonic()

    def clock() -> float:
        return time.monotonic() - start

    def xdotool(*args: str) -> None:
        subprocess.run(["xdotool", *args], env=env, check=True)

    session = []
    time.sleep(2.0)
    for command, rest in COMMANDS:
        typed = clock()
        xdotool("type", "--delay", "70", command)
        time.sleep(0.3)
        xdotool("key", "Return")
        entered = clock()
        shown = PROGRESS if "seq 1 20" in command else SHOWN
        time.sleep(shown + (rest if pause is None else pause))
        session.append((command, typed, entered + shown, clock()))
    time.sleep(1.0)
    recorder.terminate()
    recorder.wait()
    terminal.terminate()
    server.terminate()
    offset = session[0][1] - _first_change(out)  # the session's clock ahead of the video's
    units = [
        {"command": c, "start": round(shown - offset, 2), "end": round(next_key - offset, 2)}
        for c, _, shown, next_key in session
        if c != "clear"
    ]
    return {"video": out.name, "fps": fps, "light": light, "units": units}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--light", action="store_true", help="dark text on white (default: light on dark)")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--pause", type=float, help="seconds after every output (default: 0.6 to 2.5 s)")
    args = parser.parse_args()
    found = record(args.out, args.light, args.fps, args.pause)
    args.out.with_suffix(".json").write_text(json.dumps(found, indent=1) + "\n")
    print(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
