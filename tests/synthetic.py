"""Synthetic clips with known events for the keyframe detectors (tests and benchmarks share them).

Each maker writes an H.264 file made from ffmpeg's lavfi sources and returns its path; the events are
exact because they are written into the filter graph.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


def encode(
    path: Path, inputs: list[str], graph: str, keyframe_every: int, extra: list[str] | None = None
) -> Path:
    """H.264 from lavfi inputs and a filter graph whose last output is unnamed (labelled [out] here)."""
    cmd = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        graph + ",format=yuv420p[out]",
        "-map",
        "[out]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        str(keyframe_every),
        *(extra or []),
        str(path),
    ]
    subprocess.run(cmd, check=True)
    return path


def _room(seconds: float, size: str, fps: int) -> list[str]:
    """A still 'room': a grey wall with a few dark shapes, as a fixed camera sees it."""
    return ["-f", "lavfi", "-i", f"color=c=0x8a8578:s={size}:r={fps}:d={seconds}"]


_FURNITURE = (
    "drawbox=x=20:y=150:w=120:h=80:c=0x3a3020:t=fill,"
    "drawbox=x=220:y=40:w=60:h=90:c=0x506070:t=fill,"
    "drawbox=x=0:y=200:w=iw:h=4:c=0x202020:t=fill"
)


def appearing_object(path: Path, appear: float = 4.0, seconds: float = 10.0, fps: int = 15) -> Path:
    """A fixed camera on a still room; a red box slides in at `appear` (for 0.5 s) and stays."""
    inputs = _room(seconds, "320x240", fps)
    inputs += ["-f", "lavfi", "-i", f"color=c=0xc02020:s=50x70:r={fps}:d={seconds}"]
    slide = f"if(lt(t,{appear}),-80,min(160,-80+(t-{appear})*480))"
    graph = f"[0:v]{_FURNITURE},noise=alls=4:allf=t[bg];[bg][1:v]overlay=x='{slide}':y=120"
    return encode(path, inputs, graph, fps * 2)


def camera_then_shots(
    path: Path, camera: float = 18.0, appear: tuple[float, ...] = (3.0, 8.0), fps: int = 15
) -> Path:
    """A fixed camera on a still room for `camera` seconds, where a box slides in at each of `appear`
    and stays, then three shots of 2 s each cut in (a test pattern, colour bars, colour stripes): a
    video that looks like a fixed camera's until its cuts come."""
    inputs = _room(camera, "320x240", fps)
    graph = f"[0:v]{_FURNITURE},noise=alls=4:allf=t[v0];"
    for i, at in enumerate(appear):
        inputs += ["-f", "lavfi", "-i", f"color=c=0xc02020:s=50x70:r={fps}:d={camera}"]
        slide = f"if(lt(t,{at}),-80,min({40 + 100 * i},-80+(t-{at})*480))"
        graph += f"[v{i}][{i + 1}:v]overlay=x='{slide}':y=120[v{i + 1}];"
    shots = len(appear) + 1
    for shot in ("testsrc", "smptebars", "rgbtestsrc"):
        inputs += ["-f", "lavfi", "-i", f"{shot}=s=320x240:r={fps}:d=2"]
    graph += f"[v{len(appear)}]" + "".join(f"[{shots + k}:v]" for k in range(3)) + "concat=n=4:v=1:a=0"
    return encode(path, inputs, graph, fps * 2)


def noisy_static(path: Path, seconds: float = 12.0, fps: int = 15) -> Path:
    """A still room with sensor noise and a slow brightness drift: nothing happens."""
    graph = f"[0:v]{_FURNITURE},noise=alls=10:allf=t,eq=brightness='0.06*sin(2*PI*t/6)':eval=frame"
    return encode(path, _room(seconds, "320x240", fps), graph, fps * 2, ["-crf", "32"])


def night_camera(path: Path, seconds: float = 30.0, fps: int = 15) -> Path:
    """A still room as an infrared camera sees it at night: grey, with sensor noise new in every
    frame, an I-frame every 2 s; nothing happens."""
    graph = f"[0:v]{_FURNITURE},hue=s=0,noise=alls=6:allf=t"
    return encode(path, _room(seconds, "640x360", fps), graph, fps * 2, ["-crf", "23"])


def _text(text: str, x: int, y: int, size: int, start: float, stop: float | None = None) -> str:
    shown = f"gte(t,{start})" if stop is None else f"gte(t,{start})*lt(t,{stop})"
    where = f"x={x}:y={y}:fontsize={size}:fontcolor=black:enable='{shown}'"
    return f"drawtext=fontfile={FONT}:text='{text}':{where}"


def _slide_text(bullet_times: list[float], words: tuple[str, ...] = ()) -> list[str]:
    """drawtext filters for a title and bullet i from bullet_times[i] (`words[i]`, or six words)."""
    parts = [_text("Quarterly review", 60, 40, 40, 0.0)]
    for i, start in enumerate(bullet_times):
        text = words[i] if words else f"point {i + 1} - figures for region {chr(65 + i)}"
        parts.append(_text(f"- {text}", 80, 130 + 50 * i, 26, start))
    return parts


def slides(
    path: Path,
    bullet_times: list[float],
    seconds: float,
    fps: int = 10,
    status_times: tuple[float, ...] = (),
    words: tuple[str, ...] = (),
) -> Path:
    """A white slide with a title; bullet i appears at bullet_times[i] (one line of text, nothing else;
    `words[i]` if given, else a line of six words). With `status_times`, a status bar at the bottom edge
    shows another message from each of those times (as a viewer's or a browser's status bar does,
    without the slide changing)."""
    parts = _slide_text(bullet_times, words)
    bounds = [0.0, *status_times, seconds]
    for i, (start, stop) in enumerate(zip(bounds, bounds[1:], strict=False)):
        message = f"{['Ready', 'Saving draft copy to the shared folder', 'Saved 12 changes'][i % 3]} {i}"
        parts.append(_text(message, 8, 700, 16, start, stop))
    graph = f"[0:v]{','.join(parts)}"
    return encode(
        path, ["-f", "lavfi", "-i", f"color=c=white:s=1280x720:r={fps}:d={seconds}"], graph, fps * 2
    )


def slide_then_blanks(path: Path, fps: int = 10) -> Path:
    """A slide (0-4 s), cut to a grey placeholder with one line of words (4-8 s), cut to black with a
    small copyright line (8-11 s): only the slide shows anything."""
    graph = (
        "[0:v]drawbox=x=0:y=0:w=iw:h=ih:c=0x808080:t=fill:enable='between(t,4,8)',"
        "drawbox=x=0:y=0:w=iw:h=ih:c=black:t=fill:enable='gte(t,8)',"
        f"{_text('Quarterly review', 60, 40, 40, 0.0, 4.0)},"
        f"{_text('- revenue up in every region', 80, 130, 26, 0.0, 4.0)},"
        f"{_text('- two new offices opened', 80, 180, 26, 0.0, 4.0)},"
        f"{_text('Load course outline', 460, 340, 44, 4.0, 8.0)},"
        f"drawtext=fontfile={FONT}:text='(c) 2026 Example Films':x=540:y=660:fontsize=18:fontcolor=0xb0b0b0"
        ":enable='gte(t,8)'"
    )
    return encode(path, ["-f", "lavfi", "-i", f"color=c=white:s=1280x720:r={fps}:d=11"], graph, fps * 2)


def slides_with_camera(path: Path, bullet_times: list[float], seconds: float, fps: int = 10) -> Path:
    """slides() with the lecturer's camera in the bottom-right corner, a fifth of the picture each way:
    a room with sensor noise new in every frame, where a figure sways from side to side all the time."""
    parts = _slide_text(bullet_times)
    inputs = ["-f", "lavfi", "-i", f"color=c=white:s=1280x720:r={fps}:d={seconds}"]
    inputs += _room(seconds, "256x144", fps)
    inputs += ["-f", "lavfi", "-i", f"color=c=0x304050:s=40x90:r={fps}:d={seconds}"]
    sway = "100+60*sin(2*PI*t/1.7)"
    camera = f"[1:v]noise=alls=12:allf=t[room];[room][2:v]overlay=x='{sway}':y=40[camera]"
    graph = f"{camera};[0:v]{','.join(parts)}[slide];[slide][camera]overlay=x=W-w:y=H-h"
    return encode(path, inputs, graph, fps * 2)


def one_frame_per_slide(path: Path, slides: int, seconds_each: float) -> Path:
    """A deck made into a video of one frame per slide: `slides` frames, each shown `seconds_each`
    seconds (the stream's frame rate is 1/seconds_each), each slide with a title and a bullet of its own."""
    rate = f"1/{seconds_each:g}"
    title = _text("Slide %{eif\\:n+1\\:d}", 80, 60, 60, 0.0)
    bullet = _text("- a point about topic %{eif\\:n*7+3\\:d}", 100, 200, 36, 0.0)
    inputs = ["-f", "lavfi", "-i", f"color=c=white:s=1280x720:r={rate}:d={slides * seconds_each:g}"]
    return encode(path, inputs, f"[0:v]{title},{bullet}", 1)


def dark_slides_tinted(path: Path, change: float, seconds: float = 12.0, fps: int = 10) -> Path:
    """Two dark-theme slides (light text on a dithered near-black background), the second from
    `change`; every 2 s the background's blue shifts by 3 levels and back, as an encoder's I-frames
    shift a dark picture's tint (grey pixels whose hue turns a third of the circle)."""
    dither = "18+2*mod(X+Y,2)"
    background = f"geq=r='{dither}':g='{dither}':b='{dither}+3*mod(floor(T/2),2)'"
    parts = [_text("Everything is markdown", 40, 40, 28, 0.0, change)]
    parts += [_text("h1 h2 h3 h4", 40, 40, 28, change), _text("- bullets and code", 40, 100, 22, change)]
    graph = f"[0:v]{background},{','.join(parts)}".replace("fontcolor=black", "fontcolor=0xd0d0d0")
    inputs = ["-f", "lavfi", "-i", f"color=c=black:s=640x360:r={fps}:d={seconds}"]
    return encode(path, inputs, graph, fps * 2, ["-crf", "12"])


def camera_then_slides(path: Path, camera: float, bullet_times: list[float], seconds: float) -> Path:
    """A moving picture (no frame repeats, as from a camera) for `camera` seconds, then a cut to a slide
    with a title where bullet i appears at bullet_times[i] (seconds of the whole video)."""
    fps = 10
    parts = _slide_text([start - camera for start in bullet_times])
    inputs = ["-f", "lavfi", "-i", f"testsrc2=s=1280x720:r={fps}:d={camera}"]
    inputs += ["-f", "lavfi", "-i", f"color=c=white:s=1280x720:r={fps}:d={seconds - camera}"]
    graph = f"[1:v]{','.join(parts)}[slide];[0:v][slide]concat=n=2:v=1:a=0"
    return encode(path, inputs, graph, fps * 2)


def resting_pointer(
    path: Path, rests: tuple[tuple[int, int], ...], seconds: float, fps: int = 10, outlined: bool = False
) -> Path:
    """A slide with a title and one bullet; from 3 s on, a mouse pointer rests at each place of `rests`
    in turn, for an equal share of the time left, jumping between them as a quickly moved pointer does
    between two frames. The pointer is a dark 16x26 shape (a large arrow pointer at 720p, whose edges
    outweigh a short word's) or, `outlined`, a desktop's own arrow drawn dark around light (14x20, two
    outlines: as many edges as a short word)."""
    parts = [_text("Quarterly review", 60, 40, 40, 0.0), _text("- the only point", 80, 130, 26, 0.0)]
    share = (seconds - 3.0) / len(rests)
    w, h, line = (14, 20, "3") if outlined else (16, 26, "fill")
    for i, (x, y) in enumerate(rests):
        start, stop = 3.0 + i * share, 3.0 + (i + 1) * share
        shown = f"enable='gte(t,{start})*lt(t,{stop})'"
        parts.append(f"drawbox=x={x}:y={y}:w={w}:h={h}:c=0x202020:t={line}:{shown}")
    graph = f"[0:v]{','.join(parts)}"
    return encode(
        path, ["-f", "lavfi", "-i", f"color=c=white:s=1280x720:r={fps}:d={seconds}"], graph, fps * 2
    )


def typing(
    path: Path,
    start: float = 1.0,
    chars_per_second: float = 6.0,
    seconds: float = 14.0,
    pause: tuple[int, float] = (0, 0.0),
) -> Path:
    """A terminal where a command is typed steadily, one character at a time, then the screen rests.
    `pause`: (i, s), the typist stops for s seconds before character i."""
    fps = 15
    command = "pip install --upgrade vidscan and then run the analysis on every file"
    parts = [_text("$", 20, 40, 22, 0.0).replace("black", "white")]
    for i, ch in enumerate(command):
        if ch == " ":
            continue
        typed = start + i / chars_per_second + (pause[1] if i >= pause[0] else 0.0)
        char = _text(ch, 48 + 13 * (i % 44), 40 + 30 * (i // 44), 22, typed)
        parts.append(char.replace("black", "white"))
    graph = f"[0:v]{','.join(parts)}"
    inputs = ["-f", "lavfi", "-i", f"color=c=0x1e1e1e:s=640x360:r={fps}:d={seconds}"]
    return encode(path, inputs, graph, fps * 2)


def pen_strokes(
    path: Path,
    strokes: tuple[float, ...],
    seconds: float,
    fps: int = 15,
    along: bool = False,
    erase: float | None = None,
    lossless: bool = False,
) -> Path:
    """A lecturer's pen on a white slide with a title and one line: stroke i is a red line drawn left
    to right in 0.6 s from strokes[i], sloping down a little as a hand's does, each under the one
    before (a word underlined twice), or with `along`, under the next words of the same line; the
    slide stands still between strokes. With `erase`, the last stroke is rubbed out from that time, a
    piece every 0.25 s (1.5 s in all), as a pen's eraser takes ink away. `lossless`: the slide comes
    out the same to the pixel while it stands still, as a screen recorder's does (x264 at its default
    quality refines a still picture by a grey level a frame)."""
    parts = [_text("Stream ciphers", 60, 40, 40, 0.0), _text("E is sem. sec. and so is F", 80, 130, 26, 0.0)]
    for i, start in enumerate(strokes):
        for step in range(6):  # the pen's tip moves on six times in the stroke's 0.6 s
            drawn = f"gte(t,{start + 0.1 * step:.2f})"
            if erase is not None and i == len(strokes) - 1:
                drawn += f"*lt(t,{erase + 0.25 * step:.2f})"
            x = 176 + 20 * step + (200 * i if along else 0)
            y = 166 + 2 * step + (0 if along else 12 * i)
            parts.append(f"drawbox=x={x}:y={y}:w=20:h=6:c=0xd01010:t=fill:enable='{drawn}'")
    graph = f"[0:v]{','.join(parts)}"
    return encode(
        path,
        ["-f", "lavfi", "-i", f"color=c=white:s=1280x720:r={fps}:d={seconds}"],
        graph,
        fps * 2,
        ["-qp", "0"] if lossless else None,
    )


def terminal_session(path: Path, seconds: float = 15.0) -> Path:
    """A terminal where three commands are typed one after the other: each Enter prints output lines
    and a new prompt at once, and typing goes on 0.4 s later. A clock ticks in the bottom strip all
    along, and a cursor blinks at the last prompt from `TERMINAL_DONE` on."""
    fps, cps, line = 15, _CPS, 24
    parts = [_text("$", 10, 10, 18, 0.0)]
    t, row = _TYPING_START, 0
    for command, output in TERMINAL_COMMANDS:
        for i, ch in enumerate(command):
            if ch != " ":
                parts.append(_text(ch, 30 + 11 * i, 10 + line * row, 18, t + i / cps))
        t += len(command) / cps + 0.3  # Enter
        for text in output:
            row += 1
            parts.append(_text(text, 10, 10 + line * row, 18, t))
        row += 1
        parts.append(_text("$", 10, 10 + line * row, 18, t))
        t += 0.4
    cursor = f"drawbox=x=30:y={10 + line * row}:w=10:h=18:c=white:t=fill"
    parts.append(f"{cursor}:enable='gte(t,{TERMINAL_DONE})*lt(mod(t,1),0.5)'")
    clock = f"drawtext=fontfile={FONT}:text='%{{eif\\:floor(t)\\:d}}':x=600:y=348:fontsize=11"
    parts.append(clock + ":fontcolor=white")
    graph = f"[0:v]{','.join(parts)}".replace("fontcolor=black", "fontcolor=white")
    inputs = ["-f", "lavfi", "-i", f"color=c=0x1e1e1e:s=640x360:r={fps}:d={seconds}"]
    return encode(path, inputs, graph, fps * 2)


def typed_without_a_break(path: Path, font: int = 28, seconds: float = 12.5) -> tuple[Path, list[float]]:
    """A terminal at a presentation's font size (`font` pixels in 640x360, 10 frames/s) where three
    commands are typed one after the other at 10 letters a second, each answered by a line of output
    0.3 s after its last letter, and the next typed 0.8 s after that: a letter comes in most frames.
    Returns the path and when each output appears."""
    fps, cps, step, line, t = 10, 10.0, round(font * 0.6), round(font * 1.3), 0.3
    parts = []
    outputs = []
    for row, (command, output) in enumerate(TYPED_COMMANDS):
        y = 10 + 2 * line * row
        parts.append(_text("$", 10, y, font, 0.0 if not row else t))
        for i, ch in enumerate(command):
            if ch != " ":
                parts.append(_text(ch, 10 + step * (i + 2), y, font, t + i / cps))
        t += len(command) / cps + 0.3
        parts.append(_text(output, 10, y + line, font, t))
        outputs.append(t)
        t += 0.8
    graph = f"[0:v]{','.join(parts)}".replace("fontcolor=black", "fontcolor=white")
    inputs = ["-f", "lavfi", "-i", f"color=c=0x1e1e1e:s=640x360:r={fps}:d={seconds}"]
    return encode(path, inputs, graph, fps * 2), outputs


# Three commands a presenter types (about 3 s each at 10 letters a second) and the line each prints.
TYPED_COMMANDS = (
    ("git clone example.org/team/app", "Cloning into app... done"),
    ("cd app && make test -j2 --quiet", "42 tests passed"),
    ("./app --version --verbose", "app 2.1.0"),
)


# (line of output, when it appears): the answers of `ls`, `npm install`, `npm test` and `npm run build`
SPINNER_LINES = (("$ ls", 0.0), ("README.md  package.json  src  test", 0.0), ("$ npm install", 1.5),
                 ("+ Installed 42 packages in 10s", 12.0), ("$ npm test", 14.0), ("12 passing", 15.0),
                 ("$ npm run build", 17.0), ("built in 2.1s", 18.0))  # fmt: skip


def spinner_session(path: Path, seconds: float = 21.0, fps: int = 30) -> Path:
    """A dark terminal at 1280x720 where `npm install` turns a spinner ten times a second for 10 s
    (2 to 12 s) before its line becomes its result; the next commands and their one-line answers come
    on the lines right below (SPINNER_LINES)."""

    def line(text: str, row: int, shown: str) -> str:
        where = f"x=20:y={20 + 36 * row}:fontsize=24:fontcolor=white:enable='{shown}'"
        return f"drawtext=fontfile={FONT}:text='{text}':{where}"

    parts = [line(text, row, f"gte(t,{start})") for row, (text, start) in enumerate(SPINNER_LINES)]
    for k, mark in enumerate(("|", "/", "-", "\\\\")):
        parts.append(line(f"{mark} Installing packages", 3, f"gte(t,2)*lt(t,12)*eq(mod(floor(t*10),4),{k})"))
    inputs = ["-f", "lavfi", "-i", f"color=c=0x1e1e1e:s=1280x720:r={fps}:d={seconds}"]
    return encode(path, inputs, f"[0:v]{','.join(parts)}", fps * 2)


_PROCESSES = ("python3", "Xorg", "gnome-shell", "kworker/0:1", "systemd", "sshd", "bash", "ffmpeg",
               "postgres", "nginx", "dockerd", "containerd", "node", "chrome", "pulseaudio")  # fmt: skip


def dashboard(path: Path, changes: list[float], seconds: float, fps: int = 10) -> Path:
    """A terminal showing a monitor in the manner of `top`, light on dark: a summary, a header and fifteen
    processes by CPU. At each of `changes` its figures change (the clock, the load, each process's CPU,
    memory and time) and the busiest four processes trade places, as a refresh does; the labels, the
    header and most rows stay."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 20)

    def screen(k: int) -> bytes:
        image = Image.new("RGB", (1280, 720), (30, 30, 30))
        draw = ImageDraw.Draw(image)
        order = [*range(k % 4, 4), *range(k % 4), *range(4, 15)]  # the busiest four in turn first
        rows = [f"top - 10:00:{10 + k:02d} up 3 days,  load average: 0.{(k * 37 + 11) % 90 + 10}"]
        rows += [
            "Tasks: 123 total,   1 running, 122 sleeping",
            "",
            "  PID USER      %CPU  %MEM    TIME+ COMMAND",
        ]
        for i in order:
            cpu, mem = (k * (13 + 7 * i) + 11 * i) % 90 + 10, (k * (29 + 3 * i) + 5 * i) % 90 + 10
            time = f"0:{(k * 17 + 3 * i) % 60:02d}.5"
            rows.append(f"{101 + 17 * i:5d} root      {cpu:4d}.0 {mem:4d}.1  {time} {_PROCESSES[i]}")
        for row, text in enumerate(rows):
            draw.text((20, 20 + 26 * row), text, font=font, fill=(208, 208, 208))
        return image.tobytes()

    frames = round(seconds * fps)
    states = [sum(t <= n / fps for t in changes) for n in range(frames)]
    pictures = {k: screen(k) for k in set(states)}
    return _encode_pictures(path, [pictures[k] for k in states], fps)


def _encode_pictures(path: Path, frames: list[bytes], fps: int) -> Path:
    """H.264 from 1280x720 RGB pictures (raw bytes), one a frame at `fps`, a keyframe every 2 s."""
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24"]
    cmd += ["-s", "1280x720", "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast"]
    cmd += ["-g", str(2 * fps), "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, input=b"".join(frames), check=True)
    return path


def _ease(x: float) -> float:
    """reveal.js's easing of its transitions, CSS cubic-bezier(0.26, 0.86, 0.44, 0.985): at time `x`
    (0-1) of the transition, how far it has come (0-1)."""
    x1, y1, x2, y2 = 0.26, 0.86, 0.44, 0.985

    def bezier(u: float, a: float, b: float) -> float:
        return 3 * a * u * (1 - u) ** 2 + 3 * b * u * u * (1 - u) + u**3

    lo, hi = 0.0, 1.0
    for _ in range(40):  # the curve's parameter at which its x is `x`
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if bezier(mid, x1, x2) < x else (lo, mid)
    return bezier((lo + hi) / 2, y1, y2)


def fading_bullet(path: Path, fade: float, stay: float, fps: int = 30) -> Path:
    """A slide (a title and a bullet) to which a second bullet fades in from 1.0 s over `fade` seconds,
    easing out as presentation tools do (most of the way at once, then a long slow tail: its last
    looks change less than any stroke), then stays `stay` seconds to the end."""
    from PIL import Image, ImageDraw, ImageFont

    title, body = ImageFont.truetype(FONT, 48), ImageFont.truetype(FONT, 30)

    def slide(opacity: float) -> Image.Image:
        image = Image.new("RGB", (1280, 720), (255, 255, 255))
        draw = ImageDraw.Draw(image)
        draw.text((120, 90), "Part 1: Sorting", font=title, fill=(30, 30, 30))
        draw.text((140, 230), "- merging before pivots", font=body, fill=(40, 40, 40))
        grey = round(255 - opacity * (255 - 40))
        draw.text((140, 310), "- heaps before graphs", font=body, fill=(grey, grey, grey))
        return image

    frames = [slide(0.0).tobytes()] * round(1.0 * fps)
    steps = round(fade * fps)
    frames += [slide(_ease(n / steps)).tobytes() for n in range(1, steps + 1)]
    frames += [slide(1.0).tobytes()] * round(stay * fps)
    return _encode_pictures(path, frames, fps)


def zooming_slides(path: Path, stay: float, slides: int = 4, fps: int = 30) -> Path:
    """Slides (a title and two lines each) that each come in as reveal.js's zoom does: the new slide
    grows from a fifth of its size over 0.8 s, easing out (most of the way in the first quarter, then
    less at each frame), fading in over the first half; then it stays `stay` seconds.
    The first slide is there from the start; slide k (from 1) has settled from 1.0 + k * 0.8 + (k - 1) *
    stay s, for `stay` seconds."""
    from PIL import Image, ImageDraw, ImageFont

    title, body = ImageFont.truetype(FONT, 48), ImageFont.truetype(FONT, 30)

    words = ("Sorting", "Merging", "Pivots", "Summary", "Heaps", "Graphs", "Tries", "Hashing", "Queues")

    def slide(k: int) -> Image.Image:
        image = Image.new("RGB", (1280, 720), (255, 255, 255))
        draw = ImageDraw.Draw(image)
        draw.text((120, 90), f"Part {k + 1}: {words[k % 9]}", font=title, fill=(30, 30, 30))
        for row in range(2):
            line = f"- {words[(k + row + 1) % 9].lower()} before {words[(k + 2 * row + 3) % 9].lower()}"
            draw.text((140, 230 + 80 * row), line, font=body, fill=(40, 40, 40))
        return image

    pictures = [slide(k) for k in range(slides)]
    transition = round(0.8 * fps)
    frames: list[bytes] = [pictures[0].tobytes()] * round(1.0 * fps)
    for k in range(1, slides):
        for n in range(1, transition + 1):
            progress = _ease(n / transition)
            scale = 0.2 + 0.8 * progress
            size = (round(1280 * scale), round(720 * scale))
            grown = pictures[k].resize(size)
            layer = Image.new("RGB", (1280, 720), (255, 255, 255))
            layer.paste(grown, ((1280 - size[0]) // 2, (720 - size[1]) // 2))
            frames.append(Image.blend(pictures[k - 1], layer, min(1.0, 2 * n / transition)).tobytes())
        frames += [pictures[k].tobytes()] * round(stay * fps)
    frames += [pictures[-1].tobytes()] * round(1.0 * fps)
    return _encode_pictures(path, frames, fps)


TERMINAL_COMMANDS = (
    ("ls -la /var/log", ("total 4312", "drwxr-xr-x 12 root syslog 4096 .")),
    ("grep error syslog", ("syslog - error - disk quota exceeded",)),
    ("tail -n 5 kern.log", ("kern.log - usb 1-1 - new device", "kern.log - eth0 link up", "kern.log - done")),
)
_TYPING_START, _CPS = 1.0, 6.0
# The last output is printed then (each command: typed, Enter 0.3 s later, 0.4 s before the next).
TERMINAL_DONE = _TYPING_START + sum(len(c) / _CPS + 0.7 for c, _ in TERMINAL_COMMANDS) - 0.4


def interlaced_cut(path: Path) -> Path:
    """720x480 coded interlaced (29.97 frames/s of two fields 1/59.94 s apart, top first), a moving test
    pattern and, from its 241st field (4.02 s), the same pattern with its hues turned by 40 degrees: the
    cut falls between the two fields of a frame, which holds half of each shot, line by line."""
    lavfi = ["-f", "lavfi", "-i", "testsrc2=s=720x480:r=60000/1001:d=8"]
    graph = (
        "[0:v]split[x][y];[x]trim=end_frame=241,setpts=PTS-STARTPTS[a];"
        "[y]trim=start_frame=241,setpts=PTS-STARTPTS,hue=h=40[b];"
        "[a][b]concat=n=2:v=1,tinterlace=mode=interleave_top,setfield=tff"
    )
    return encode(path, lavfi, graph, 30, ["-flags", "+ilme+ildct", "-x264opts", "tff=1"])


def fade_through_black(path: Path, fps: int = 25) -> Path:
    """A 3 s red pattern shot fading out over 1 s, 1 s of black, a 3 s blue one fading in over 1 s."""
    inputs = [
        *["-f", "lavfi", "-i", f"testsrc2=s=320x240:r={fps}:d=3"],
        *["-f", "lavfi", "-i", f"color=c=black:s=320x240:r={fps}:d=1"],
        *["-f", "lavfi", "-i", f"testsrc2=s=320x240:r={fps}:d=3"],
    ]
    graph = (
        "[0:v]fade=t=out:st=2:d=1[a];[2:v]hflip,vflip,hue=h=180,fade=t=in:st=0:d=1[c];"
        "[a][1:v][c]concat=n=3:v=1:a=0"
    )
    return encode(path, inputs, graph, fps * 2)


def dissolve(path: Path, first: float = 3.0, blend: float = 1.0, second: float = 3.0, fps: int = 25) -> Path:
    """Two still pictures (a fractal, then colour noise over a pattern), the first dissolving into the
    second over `blend` seconds from `first` on (ffmpeg's xfade): no frame differs much from the one
    before, as in a slide show's cross-dissolve."""
    size = "640x360"
    inputs = [
        *["-f", "lavfi", "-i", f"mandelbrot=s={size}:rate={fps}:end_pts=1"],
        *["-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}"],
    ]
    still = f"trim=end_frame=1,loop=loop=-1:size=1,trim=duration={{d}},setpts=N/{fps}/TB,format=yuv420p"
    graph = (
        f"[0:v]{still.format(d=first + blend)}[a];"
        f"[1:v]hue=h=90,noise=alls=30,{still.format(d=second + blend)}[b];"
        f"[a][b]xfade=transition=fade:duration={blend}:offset={first}"
    )
    return encode(path, inputs, graph, fps * 2)


def small_figure(path: Path, enter: float = 4.0, cross: float = 5.0, seconds: float = 12.0) -> Path:
    """A fixed camera at 720x480 over a textured, noisy scene (sensor noise of 8 grey levels, changing
    every frame) where a figure 40 px tall and 14 wide (0.16% of the picture) walks across from
    `enter`, taking `cross` seconds; nothing else moves."""
    fps = 15
    inputs = [
        *["-f", "lavfi", "-i", f"mandelbrot=s=720x480:rate={fps}:end_pts=1"],
        *["-f", "lavfi", "-i", f"color=c=0x302820:s=14x40:r={fps}:d={seconds}"],
    ]
    walk = f"if(lt(t,{enter}),-30,-30+(t-{enter})*{750 / cross})"
    graph = (
        f"[0:v]trim=end_frame=1,loop=loop=-1:size=1,trim=duration={seconds},setpts=N/{fps}/TB,"
        f"noise=alls=8:allf=t[scene];[scene][1:v]overlay=x='{walk}':y=300"
    )
    return encode(path, inputs, graph, fps * 2, ["-crf", "26"])


def crossing(
    path: Path,
    enter: float | tuple[float, ...],
    cross: float,
    seconds: float = 12.0,
    keyframes: list[str] | None = None,
    codec: list[str] | None = None,
    noise: int = 8,
    dim_at: float | None = None,
) -> Path:
    """A fixed camera at 720x480, 15 frames/s, over a textured scene with sensor noise (`noise` grey
    levels, new every frame), where a dark figure 60x120 px walks across from `enter` (or from each of
    several times), taking `cross` seconds; nothing else moves, but the light drops by a quarter of the
    range at `dim_at` (a lamp switched off), if given. `keyframes`: the encoder's keyframe options
    (default: one every 2 s); `codec`: the encoder's options (default: x264 ultrafast, CRF 26)."""
    fps = 15
    inputs = [
        *["-f", "lavfi", "-i", f"mandelbrot=s=720x480:rate={fps}:end_pts=1"],
        *["-f", "lavfi", "-i", f"color=c=0x302820:s=60x120:r={fps}:d={seconds}"],
    ]
    walk = "-100"  # out of sight before the first crossing
    for start in enter if isinstance(enter, tuple) else (enter,):
        walk = f"if(lt(t,{start}),{walk},-60+(t-{start})*{780 / cross})"
    dim = f"eq=brightness=-0.25:enable='gte(t,{dim_at})'," if dim_at is not None else ""
    graph = (
        f"[0:v]trim=end_frame=1,loop=loop=-1:size=1,trim=duration={seconds},setpts=N/{fps}/TB,"
        f"{dim}noise=alls={noise}:allf=t[scene];[scene][1:v]overlay=x='{walk}':y=260"
    )
    extra = [*(codec or ["-crf", "26"]), *(keyframes or [])]
    return encode(path, inputs, graph, fps * 2, extra)


def emerging(path: Path, emerge: float, seconds: float, fps: int = 15) -> Path:
    """A fixed camera at 720x480 over a textured scene with sensor noise, where a dark figure 60x120 px
    steps out from behind a pillar (clear of the picture's edge) at `emerge` and walks left at 160 px/s
    (wholly out from behind it after 0.4 s); nothing else moves."""
    inputs = [
        *["-f", "lavfi", "-i", f"mandelbrot=s=720x480:rate={fps}:end_pts=1"],
        *["-f", "lavfi", "-i", f"color=c=0x302820:s=60x120:r={fps}:d={seconds}"],
    ]
    walk = f"if(lt(t,{emerge}),600,600-(t-{emerge})*160)"  # behind the pillar (600-700) before
    graph = (
        f"[0:v]trim=end_frame=1,loop=loop=-1:size=1,trim=duration={seconds},setpts=N/{fps}/TB[scene];"
        f"[scene][1:v]overlay=x='{walk}':y=260,drawbox=x=600:y=100:w=100:h=380:c=0xb0a898:t=fill,"
        "noise=alls=8:allf=t"
    )
    return encode(path, inputs, graph, fps * 2, ["-crf", "26"])


def recorder_export(
    path: Path,
    source: Path,
    size: str,
    seconds: float,
    loop_frames: int = 0,
    keyframe_every: int = 60,
    clock: bool = True,
) -> Path:
    """A real clip as a recorder exports it: scaled to `size`, with the camera's name and a clock
    ticking every second drawn over its top left (white with a dark outline, a twentieth of the height,
    as recorders draw it; not with `clock` False), `seconds` long; `loop_frames`: the clip's first
    frames over and over."""
    drawn = (
        f",drawtext=fontfile={FONT}:fontsize=h/20:x=h/40:y=h/40:fontcolor=white:borderw=2:bordercolor=black"
        ":text='CAM 03  %{pts\\:gmtime\\:1764921600}'"
        if clock
        else ""
    )
    loop = f"loop=loop=-1:size={loop_frames}," if loop_frames else ""
    graph = f"[0:v]{loop}trim=duration={seconds},setpts=N/FRAME_RATE/TB,scale={size.replace('x', ':')}{drawn}"
    return encode(path, ["-i", str(source)], graph, keyframe_every, ["-crf", "23"])


# A camera on a pole in wind (benchmarks/clips.py's `sway` variant): the view sways by half a percent of
# the picture each way at 1.3 and 0.9 Hz, a crop of 98% of each side scaled back to the clip's size.
SWAY = (
    "crop=trunc(iw*0.98/2)*2:trunc(ih*0.98/2)*2"
    ":iw*0.01*(1+0.5*sin(2*PI*1.3*t)):ih*0.01*(1+0.5*cos(2*PI*0.9*t)),"
    "scale=trunc(iw/0.98/2)*2:trunc(ih/0.98/2)*2"
)


# Black bars around a picture (ffmpeg filters for `filtered`): a 4:3 camera in a 16:9 file (bars at the
# sides, an eighth of the width each), a wide picture in a taller frame (bars above and below, an eighth
# of the height each).
BARS = {
    "pillarbox": "pad=trunc(iw*4/3/2)*2:ih:(ow-iw)/2:0:black",
    "letterbox": "pad=iw:trunc(ih*4/3/2)*2:0:(oh-ih)/2:black",
}


def filtered(source: Path, path: Path, video_filter: str) -> Path:
    """A real clip through an ffmpeg filter (H.264, CRF 23, no sound)."""
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-an"]
    cmd += ["-vf", video_filter, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23"]
    cmd += ["-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, check=True)
    return path


def excerpt(source: Path, path: Path, start: float) -> Path:
    """A real clip from `start` seconds on, its timestamps starting at zero (see filtered)."""
    return filtered(source, path, f"trim=start={start},setpts=PTS-STARTPTS")


def _fitted(size: str) -> str:
    """The filters that scale a picture into `size` (WxH), black bars where the shape differs."""
    width, height = size.split("x")
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1"
    )


def montage(
    path: Path, pieces: list[tuple[Path, float, float]], size: str = "640x360", fps: int = 25
) -> Path:
    """Pieces of real clips joined with hard cuts, as a trailer or a music video is cut: each (source,
    start, seconds) is that many seconds from `start` on, at `fps` and scaled into `size` (black bars
    where the shape differs). Piece k begins at the sum of the seconds before it, to the frame."""
    inputs: list[str] = []
    graph = ""
    for k, (source, start, seconds) in enumerate(pieces):
        inputs += ["-ss", str(start), "-t", str(seconds + 0.5), "-i", str(source)]
        frames = round(seconds * fps)
        graph += f"[{k}:v]fps={fps},trim=end_frame={frames},setpts=PTS-STARTPTS,{_fitted(size)}[p{k}];"
    graph += "".join(f"[p{k}]" for k in range(len(pieces))) + f"concat=n={len(pieces)}:v=1:a=0"
    return encode(path, inputs, graph, keyframe_every=2 * fps, extra=["-crf", "20"])


def deck(
    path: Path,
    pictures: list[tuple[Path, float]],
    hold: float,
    transitions: tuple[str, ...],
    blend: float,
    size: str = "1280x720",
    fps: int = 30,
) -> Path:
    """Still pictures of real clips shown as a presentation shows its slides: each (source, time) is the
    frame at `time`, scaled into `size`, and the next comes in over `blend` seconds by one of ffmpeg's
    xfade `transitions` in turn (slideleft: pushed in; wipeleft: wiped over; dissolve; fade). Picture k
    is shown alone where deck_alone says."""
    frames = round((hold + blend) * fps)
    inputs: list[str] = []
    parts = []
    for k, (source, time) in enumerate(pictures):
        inputs += ["-ss", str(time), "-i", str(source)]
        parts.append(
            f"[{k}:v]trim=end_frame=1,{_fitted(size)},format=yuv420p,"
            f"loop=loop={frames - 1}:size=1,setpts=N/{fps}/TB,fps={fps}[s{k}]"
        )
    last = "[s0]"
    for k in range(1, len(pictures)):
        transition = transitions[(k - 1) % len(transitions)]
        parts.append(f"{last}[s{k}]xfade=transition={transition}:duration={blend}:offset={k * hold}[x{k}]")
        last = f"[x{k}]"
    graph = ";".join(parts)[: -len(last)]  # encode() names the last output
    return encode(path, inputs, graph, keyframe_every=2 * fps, extra=["-crf", "20"])


def deck_alone(pictures: int, hold: float, blend: float) -> list[tuple[float, float]]:
    """Where each of a deck's `pictures` is shown alone: picture k from k * hold + blend (the first from
    0) to (k + 1) * hold, the last to the deck's end (hold + blend after its start)."""
    alone = [(round(k * hold + blend if k else 0.0, 3), round((k + 1) * hold, 3)) for k in range(pictures)]
    alone[-1] = (alone[-1][0], round(pictures * hold + blend, 3))
    return alone


def clock_jump(path: Path, clips: list[Path], jump: float = 600.0) -> Path:
    """The clips as one transport stream whose clock jumps `jump` seconds before each after the first, as
    a recorder's does when it restarts: each clip stream-copied with that offset, the pieces joined."""
    pieces = []
    for i, clip in enumerate(clips):
        piece = path.with_name(f"{path.stem}-{i}.ts")
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(clip), "-c", "copy"]
        cmd += ["-output_ts_offset", str(i * jump), "-f", "mpegts", str(piece)]
        subprocess.run(cmd, check=True)
        pieces.append(piece.read_bytes())
    path.write_bytes(b"".join(pieces))
    return path


def without_frames(source: Path, path: Path, start: float, stop: float, shift: float = 0.0) -> Path:
    """`source` with its frames from `start` to `stop` left out and the later ones `shift` seconds later,
    each kept at its own time (MP4, H.264): a recorder that records on motion only (a gap in its
    clock), or, with no shift, a screen recorder that sends no frame while nothing changes. The first
    frame after is a keyframe, as a recorder starts each recording with one."""
    times = f"PTS+gte(T,{stop})*{shift}/TB"
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-an"]
    cmd += ["-vf", f"select='not(between(t,{start},{stop - 1e-3}))',setpts='{times}'"]
    cmd += ["-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "26", "-g", "30"]
    cmd += ["-force_key_frames", f"expr:eq(n,0)+gte(t,{stop + shift})*lt(prev_forced_t,{stop + shift})"]
    cmd += ["-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, check=True)
    return path


def scrolling_page(path: Path, seconds: float, speed: float, fps: int = 15) -> Path:
    """A page of numbered lines of text (1280 wide), scrolled up without a rest from the first frame to
    the last at `speed` pixels a second of the 1280x720 picture: frame n shows the page from row
    int(n * speed / fps) (scrolled_to)."""
    tops = [scrolled_to(n / fps, speed, fps) for n in range(round(seconds * fps))]
    return _page_shown(path, tops, fps)


def wheel_scrolled_page(path: Path, seconds: float, fps: int = 15) -> Path:
    """The page of scrolling_page scrolled with a mouse wheel: bursts of WHEEL_NOTCHES notches a fifth of
    a second apart, each moving the page WHEEL_NOTCH pixels from one frame to the next, with a second at
    rest between bursts; frame n shows the page from row wheel_scrolled_to(n / fps)."""
    tops = [wheel_scrolled_to(n / fps, fps) for n in range(round(seconds * fps))]
    return _page_shown(path, tops, fps)


WHEEL_NOTCH, WHEEL_NOTCHES = 120, 4


def wheel_scrolled_to(time: float, fps: int = 15) -> int:
    """The page's row at the top of the picture at `time` in wheel_scrolled_page."""
    apart = round(fps / 5)  # frames between notches
    cycle = WHEEL_NOTCHES * apart + fps  # a burst, then a second at rest
    frame = round(time * fps)
    notches = WHEEL_NOTCHES * (frame // cycle) + min(frame % cycle // apart + 1, WHEEL_NOTCHES)
    return WHEEL_NOTCH * (notches - 1) if frame >= 0 else 0


def _page_shown(path: Path, tops: list[int], fps: int) -> Path:
    """A page of numbered lines of text, 1280 wide, shown from row tops[n] in frame n (1280x720)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 24)
    height = 720 + max(tops) + 40
    page = Image.new("RGB", (1280, height), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "the",
        "lazy",
        "dog",
        "while",
        "five",
        "wizards",
        "box",
    ]
    for row in range(height // 36):
        # Lines of a paragraph, of many lengths, as a page's are (pages of lines alike are periodic).
        line = " ".join(words[row % 5 : row % 5 + 3 + row * 7 % 9])
        draw.text((60, 20 + 36 * row), f"{row + 1:03d}  {line} {row * 7 % 97}", font=font, fill=(20, 20, 20))
    frames = [page.crop((0, top, 1280, top + 720)).tobytes() for top in tops]
    return _encode_pictures(path, frames, fps)


def scrolled_to(time: float, speed: float, fps: int = 15) -> int:
    """The page's row at the top of the picture at `time` in scrolling_page."""
    return int(round(time * fps) * speed / fps)
