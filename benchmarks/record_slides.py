"""A lecture's slide deck shown in a browser and recorded as a screen recorder records it, with its
units known.

    python -m benchmarks.record_slides OUT.mp4            # reveal.js's white theme, 30 frames/s
    python -m benchmarks.record_slides OUT.mp4 --dark     # its black theme
    python -m benchmarks.record_slides OUT.mp4 --fps 15 --pause 0.5   # every state 0.5 s once settled
    python -m benchmarks.record_slides OUT.mp4 --pointing   # the pointer glides over every state

Needs Debian's xvfb, xdotool and chromium (`apt-get install xvfb xdotool chromium`) and the npm
registry (reveal.js, fetched once into the benchmark cache); not part of the tests. Chromium shows a
reveal.js deck full screen on a virtual X display; xdotool pages it with the space bar 0.8 to 3 s after
each state has settled, as a lecturer does, and glides the pointer over two slides; ffmpeg records the
display (x11grab, H.264 at CRF 23). Slides come in with reveal.js's transitions (sliding in, fading,
zooming), bullets fade in one at a time. Each state is a unit, from the end of the transition that
brought it (the first frame after the key press from which the screen stands still, found in the
recording) to the next key press; the last slide, one line ("Questions?"), is listed apart
(`one_line` in OUT.json), as the terminal deck's are (benchmarks.record_terminal).
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.record_terminal import (
    in_video_time,
    recording_arguments,
    save,
    screen_recording,
    virtual_display,
    xdotool,
)
from benchmarks.recordings import fetch

REVEAL = ("reveal.js", "5.1.0")
SLIDES = """
<section><h1>Sorting, fast</h1><p>Lecture 4 &middot; Algorithms and data structures</p></section>
<section><h2>Today</h2><p>Three ideas for the hour</p><ul>
<li class="fragment">Why comparisons are the cost</li>
<li class="fragment">Merge sort, step by step</li>
<li class="fragment">Quicksort and its pivot</li></ul></section>
<section><h2>Merge sort</h2><pre><code>def merge_sort(xs):
    if len(xs) &lt;= 1:
        return xs
    mid = len(xs) // 2
    return merge(merge_sort(xs[:mid]), merge_sort(xs[mid:]))</code></pre></section>
<section><h2>Running time</h2><svg width="700" height="320"><g fill="#3b7dd8">
<rect x="40" y="220" width="80" height="80"/><rect x="160" y="180" width="80" height="120"/>
<rect x="280" y="120" width="80" height="180"/><rect x="400" y="60" width="80" height="240"/>
<rect x="520" y="20" width="80" height="280"/></g>
<line x1="20" y1="300" x2="680" y2="300" stroke="#888" stroke-width="3"/></svg></section>
<section><h2>Compared</h2><table><thead><tr><th>Sort</th><th>Best</th><th>Worst</th></tr></thead><tbody>
<tr><td>Merge</td><td>n log n</td><td>n log n</td></tr><tr><td>Quick</td><td>n log n</td><td>n&sup2;</td></tr>
<tr><td>Insertion</td><td>n</td><td>n&sup2;</td></tr></tbody></table></section>
<section data-transition="fade"><h2>Quicksort</h2><p>Divide around one element</p>
<p class="fragment">Pick a pivot</p><p class="fragment">Smaller to the left, larger to the right</p></section>
<section data-transition="zoom"><h2>One partition</h2><svg width="760" height="120">
<g stroke="#888" stroke-width="2" fill="none"><rect x="10" y="30" width="90" height="60"/>
<rect x="100" y="30" width="90" height="60"/><rect x="190" y="30" width="90" height="60"/>
<rect x="280" y="30" width="90" height="60" fill="#e8a33d"/><rect x="370" y="30" width="90" height="60"/>
<rect x="460" y="30" width="90" height="60"/><rect x="550" y="30" width="90" height="60"/></g>
<g font-size="32" text-anchor="middle" fill="#888"><text x="55" y="72">3</text><text x="145" y="72">1</text>
<text x="235" y="72">2</text><text x="325" y="72">5</text><text x="415" y="72">9</text>
<text x="505" y="72">7</text><text x="595" y="72">8</text></g></svg><p>5 is in its place</p></section>
<section><h2>Summary</h2><ul><li>Merge sort: always n log n, needs room</li>
<li>Quicksort: n log n on average, in place</li><li>Pick pivots at random</li></ul></section>
<section><h2>Questions?</h2></section>
"""
# (state, seconds it stays once settled, whether the pointer glides over it, how it comes in)
STATES = (
    ("title", 3.0, False, ""), ("today", 2.0, False, "slide"), ("today: first bullet", 1.2, False, "bullet"),
    ("today: second bullet", 0.8, False, "bullet"), ("today: third bullet", 2.0, False, "bullet"),
    ("merge sort", 3.0, True, "slide"), ("running time", 2.5, True, "slide"),
    ("compared", 3.0, False, "slide"),
    ("quicksort", 1.2, False, "fade"), ("quicksort: pivot", 1.0, False, "bullet"),
    ("quicksort: left and right", 2.0, False, "bullet"), ("one partition", 2.5, False, "zoom"),
    ("summary", 2.0, False, "slide"), ("questions", 2.0, False, "slide"),
)  # fmt: skip
ONE_LINE = ("questions",)
_CHANGED = 10  # grey levels: x264 at CRF 23 re-codes a still screen by fewer, a fade's last step by more
# Pixels that change while a screen stands still: reveal.js's progress bar, a line 4 pixels high along
# the bottom, slides to its new length for 0.8 s after each key (its moving end: 3-12 pixels a frame).
# A letter of the slides' smallest text covers about 150.
_PIXELS = 100
_LATENCY = 0.3  # seconds from a key press to the browser's first frame of the change, at most
# Seconds a state takes to come in, which the player waits before its rest: reveal.js's transitions
# between slides last 0.8 s, a bullet's fade 0.2 s.
TRANSITION = {"": 0.0, "slide": 0.8, "fade": 0.8, "zoom": 0.8, "bullet": 0.2}


FONTS = "theme/fonts/source-sans-pro/source-sans-pro"


def _page(theme: str, folder: Path) -> Path:
    files = {
        name: fetch(*REVEAL, f"dist/{name}") for name in ("reveal.js", "reveal.css", f"theme/{theme}.css")
    }
    for name in (
        f"{FONTS}.css",
        *(f"{FONTS}-{face}.woff" for face in ("regular", "italic", "semibold", "semibolditalic")),
    ):
        fetch(*REVEAL, f"dist/{name}")  # beside the theme, which loads them
    page = folder / "deck.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<link rel='stylesheet' href='{files['reveal.css'].as_uri()}'>"
        f"<link rel='stylesheet' href='{files[f'theme/{theme}.css'].as_uri()}'>"
        f"</head><body><div class='reveal'><div class='slides'>{SLIDES}</div></div>"
        f"<script src='{files['reveal.js'].as_uri()}'></script>"
        "<script>Reveal.initialize({controls: false, progress: true, hash: false});</script></body></html>"
    )
    return page


def _glide(env: dict[str, str], seconds: float, back: bool = False) -> None:
    """The pointer moved across the slide's middle in small steps, as a lecturer points (`back`: from
    right to left)."""
    steps = 20
    for i in range(steps):
        step = steps - 1 - i if back else i
        xdotool(env, "mousemove", str(400 + 25 * step), str(300 + 6 * step))
        time.sleep(seconds / steps)


def _play(
    env: dict[str, str], clock: Callable[[], float], pause: float | None, pointing: bool
) -> list[tuple[str, float, float, float]]:
    """Pages the deck: (state, the key that leaves it, the key that brought it, the key that leaves it).
    `pointing`: the pointer glides over every state but the title (the first key press is found as the
    video's first change), back and forth, from the moment it has come in to the next key (a lecturer
    who points all the time)."""
    session: list[tuple[str, float, float, float]] = []
    time.sleep(2.0)
    came = 0.0  # the title, from the recording's start
    for number, (state, rest, pointer, how) in enumerate(STATES):
        rest = rest if pause is None else pause
        time.sleep(TRANSITION[how])
        if pointing and number:
            _glide(env, rest, back=bool(number % 2))
        elif pointer:
            time.sleep(rest / 4)
            _glide(env, rest / 2)
            time.sleep(rest / 4)
            xdotool(env, "mousemove", "1270", "700")
        else:
            time.sleep(rest)
        pressed = clock()
        session.append((state, pressed, came, pressed))
        xdotool(env, "key", "space")  # past the last slide: nothing
        came = pressed
    return session


def _settled(video: Path, stretches: list[dict[str, object]]) -> None:
    """Each stretch's start (its key press) moved to the first frame from which the screen stands still:
    the frame after differs from it in under `_PIXELS` pixels by more than compression makes them
    differ (`_CHANGED` grey levels)."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    fps = float(capture.get(cv2.CAP_PROP_FPS))
    changed: list[bool] = []
    previous = None
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        changed.append(
            previous is not None
            and cv2.countNonZero(cv2.threshold(cv2.absdiff(grey, previous), _CHANGED, 255, 0)[1]) >= _PIXELS
        )
        previous = grey
    for stretch in stretches:
        start = float(stretch["start"])  # type: ignore[arg-type]
        if start <= 0:
            continue
        index = round(start * fps)
        soon = index + round(_LATENCY * fps)  # the change begins within this
        while index < soon and index < len(changed) and not changed[index]:
            index += 1
        while index < len(changed) and changed[index]:
            index += 1
        stretch["start"] = round(index / fps, 2)


def record(
    out: Path, dark: bool, fps: int, pause: float | None = None, pointing: bool = False
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder, virtual_display() as env:
        page = _page("black" if dark else "white", Path(folder))
        browser = subprocess.Popen(
            ["chromium", "--no-sandbox", "--kiosk", "--disable-gpu", "--no-first-run"]
            + ["--disable-background-networking", "--disable-component-update", "--disable-infobars"]
            + [f"--user-data-dir={folder}/profile", "--window-position=0,0", "--window-size=1280,720"]
            + [page.as_uri()],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(6.0)  # the browser's first start
        xdotool(env, "mousemove", "1270", "700")
        try:
            with screen_recording(out, fps, env) as clock:
                session = _play(env, clock, pause, pointing)
        finally:
            browser.terminate()
            browser.wait()
    stretches = in_video_time(out, session, left_out=())
    _settled(out, stretches)
    return {
        "video": out.name,
        "fps": fps,
        "dark": dark,
        "pause": pause,
        "pointing": pointing,
        "units": [s for s in stretches if s["command"] not in ONE_LINE],
        "one_line": [s for s in stretches if s["command"] in ONE_LINE],
    }


def main() -> None:
    parser = recording_arguments(__doc__, "seconds each state stays (default: 0.8 to 3 s)")
    parser.add_argument("--dark", action="store_true", help="reveal.js's black theme (default: white)")
    parser.add_argument("--pointing", action="store_true", help="the pointer glides over every state")
    args = parser.parse_args()
    save(args.out, record(args.out, args.dark, args.fps, args.pause, args.pointing))


if __name__ == "__main__":
    main()
