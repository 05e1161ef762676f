"""How fast vidscan answers when it has little to do: the import time of its modules and the whole-process
time of the commands that should answer at once.

    python -m benchmarks.startup [--reps 7]

- imports: `python -X importtime -c "import MODULE"` in a fresh process per module, the module's own
  cumulative time as importtime reports it (median of the repetitions), and the three heaviest modules it
  pulls in;
- commands: each run as a user runs it (the `vidscan` script beside this Python), timed from start to exit,
  median and range of the repetitions, next to `python -c pass` (the interpreter alone). `doctor` runs
  twice: with no model server, and against the tests' fake Ollama over HTTP (tests/fake_ollama.py).
Prints figures; never passes or fails on them.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import compile_vidscan
from tests.conftest import SAMPLE_VIDEOS
from tests.fake_ollama import FakeOllama

BIKES = SAMPLE_VIDEOS / "bikes.mp4"
MODULES = ("vidscan", "vidscan.cli", "vidscan.pipeline", "vidscan.keyframes.selection")
# (label, arguments): what a user types first, and the mistakes the parser or the option checks catch.
COMMANDS = (
    ("vidscan --help", ["--help"]),
    ("vidscan --version", ["--version"]),
    ("vidscan doctor (no server)", ["doctor", "--host", "{closed}"]),
    ("vidscan doctor (fake Ollama)", ["doctor", "--host", "{server}"]),
    ("vidscan cache info", ["cache", "info"]),
    ("vidscan analyze (no video: usage)", ["analyze"]),
    ("vidscan analyze v.mp4 --fail-on 3", ["analyze", "{missing}", "--fail-on", "3"]),
    ("vidscan analyze bikes.mp4 --profile nosuch", ["analyze", "{video}", "--profile", "nosuch"]),
    ("vidscan analyze v.mp4 --min-coverage -1", ["analyze", "{missing}", "--min-coverage", "-1"]),
    ("vidscan analyze missing.mp4", ["analyze", "{missing}"]),
    ("vidscan keyframes missing.mp4", ["keyframes", "{missing}"]),
)
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def import_times(module: str) -> tuple[float, list[tuple[str, float]]]:
    """Seconds `import module` takes in a fresh process, and its heaviest imports (name, seconds)."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    rows = [
        (m.group(4), int(m.group(2)) / 1e6, len(m.group(3)))
        for m in map(_IMPORT_LINE.match, err.splitlines())
        if m
    ]
    total = next(seconds for name, seconds, depth in rows if name == module and depth == 1)
    # The packages from outside the standard library, whole: what the module really costs.
    outside = [
        (name, seconds)
        for name, seconds, _depth in rows
        if "." not in name and not name.startswith(("vidscan", "_")) and name not in sys.stdlib_module_names
    ]
    return total, sorted((row for row in outside if row[1] >= 0.005), key=lambda row: -row[1])[:3]


def _vidscan() -> list[str]:
    script = Path(sys.executable).with_name("vidscan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "vidscan"]


def command_time(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _figures(walls: list[float]) -> str:
    return f"{statistics.median(walls):.3f} | {min(walls):.3f}–{max(walls):.3f}"


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    compile_vidscan()  # timed as a user's install runs

    print("| import | seconds (median) | heaviest packages it loads |")
    print("|---|---|---|")
    for module in MODULES:
        runs = [import_times(module) for _ in range(args.reps)]
        heaviest = ", ".join(f"{name} {seconds:.3f}" for name, seconds in runs[len(runs) // 2][1]) or "-"
        print(f"| `import {module}` | {statistics.median(t for t, _ in runs):.3f} | {heaviest} |", flush=True)

    with FakeOllama() as closed:
        closed_url = closed.url  # a port nobody listens on once it has stopped
    with FakeOllama() as server, tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        values = {
            "closed": closed_url,
            "server": server.url,
            "missing": str(cwd / "v.mp4"),
            "video": str(BIKES),
        }
        print("\n| command | seconds (median) | range |")
        print("|---|---|---|")
        reference = [command_time([sys.executable, "-c", "pass"], cwd) for _ in range(args.reps)]
        print(f"| `python -c pass` | {_figures(reference)} |")
        for label, command in COMMANDS:
            full = _vidscan() + [part.format(**values) for part in command]
            walls = [command_time(full, cwd) for _ in range(args.reps)]
            print(f"| `{label}` | {_figures(walls)} |", flush=True)


if __name__ == "__main__":
    main()
