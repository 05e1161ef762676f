"""The library's index and search: build time, size and search latency on a large synthetic library, and
how often a question about one lecture slide finds that slide first.

    python -m benchmarks.library [--videos 100] [--keyframes 100] [--queries 100] [--skip-lecture]

Part 1 writes `videos` synthetic report.json files of `keyframes` keyframes each (captions, on-screen
text, speech and events from a fixed vocabulary, so queries match some moments and not others; no frame
files: the index never reads them), then builds the index twice, words only and with embeddings from the
test server (tests/fake_ollama.py, real HTTP; the reply cache off so every vector is asked for), and runs
`queries` searches of each kind in one process (a hybrid search includes embedding the query over HTTP).
It also times the whole `vidscan search` command, process start included.

Part 2 analyzes the lecture test video (tests/lecture_video.py: three slides, real OCR and Whisper
speech; captions from the test server) with the lecture profile, then asks 15 questions, five about
each slide's topic, and counts the questions whose first hit is that slide, by words only and hybrid.
The test server's embeddings are a hashed bag of word concepts (synonym groups), not a language model:
the hybrid figure says how the fusion behaves, not how well a real embedding model reads.

Figures are printed, never asserted: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fake_ollama import FakeOllama
from vidscan.library import Library, LibraryOptions, SearchFilters

PEOPLE = ("a man", "a woman", "two workers", "a courier", "a child", "a cyclist", "a guard", "nobody")
ACTIONS = ("walks past", "carries", "drops", "loads", "inspects", "opens", "points at", "waits beside")
THINGS = ("a red bag", "a cardboard box", "a white van", "a forklift", "a bicycle", "a pallet of bottles",
          "a laptop", "a ladder", "a blue car", "a stack of invoices")  # fmt: skip
PLACES = ("the loading dock", "the gate", "the warehouse aisle", "the office", "the parking lot", "the belt")
SLIDES = ("Quarterly results", "Safety training", "Photosynthesis", "The Calvin cycle", "Plate tectonics",
          "Network protocols", "Supply chains", "Machine learning basics")  # fmt: skip
SPEECH = ("as you can see here", "this matters because", "let us look at the numbers", "remember the rule",
          "the next step is simple", "questions about this later")  # fmt: skip
QUERIES = ("a man carrying a red bag", "forklift at the loading dock", "white van at the gate",
           "Calvin cycle", "safety training slide", "who opened the laptop", "bottles on the belt",
           "invoice", "cyclist in the parking lot", "courier drops a box")  # fmt: skip


def synthetic_report(rng: random.Random, number: int, keyframes: int) -> dict:
    profile = ("general", "security", "lecture", "inspection")[number % 4]
    frames = []
    for i in range(keyframes):
        t = i * 6.0 + rng.random()
        description = (
            f"{rng.choice(PEOPLE)} {rng.choice(ACTIONS)} {rng.choice(THINGS)} near {rng.choice(PLACES)}."
        )
        frame: dict = {
            "index": i,
            "time": t,
            "image": f"frames/kf{i:04d}_{t:010.3f}s.jpg",
            "reason": "cut",
            "segment": [t, t + 6.0],
            "duplicate_of": None,
            "caption": {"description": description, "visible_text": "", "objects": [rng.choice(THINGS)[2:]]},
            "error": None,
        }
        if profile == "lecture":
            frame["ocr_text"] = f"{rng.choice(SLIDES)}\n• {rng.choice(SPEECH)}"
            frame["transcript"] = f"{rng.choice(SPEECH)}, {rng.choice(SPEECH)}."
        if profile == "security":
            frame["level"] = rng.choice((0, 0, 0, 1, 2))
        if profile == "inspection":
            verdict = rng.choice(("pass", "fail"))
            frame["verdicts"] = [
                {"check_id": "c1", "check": "the cap is on", "verdict": verdict, "reason": ""}
            ]
        frames.append(frame)
    events = [
        {"time": f["time"], "description": f["caption"]["description"], "keyframes": [f["index"]]}
        for f in frames[:: max(1, keyframes // 10)]
    ]
    return {
        "schema_version": 1,
        "video": {
            "path": f"/videos/clip{number:03d}.mp4",
            "name": f"clip{number:03d}.mp4",
            "duration": keyframes * 6.0,
        },
        "keyframes": frames,
        "summary": {"title": f"Clip {number}", "overview": "", "chapters": [], "events": events},
        "run": {"profile": profile, "status": "complete"},
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build(root: Path, options: LibraryOptions) -> tuple[float, int, int]:
    (root / "library.sqlite3").unlink(missing_ok=True)
    started = time.perf_counter()
    with Library(root, options) as library:
        summary = library.refresh()
    return time.perf_counter() - started, (root / "library.sqlite3").stat().st_size, summary.embedded


def latencies(root: Path, options: LibraryOptions, queries: int) -> tuple[list[float], str]:
    rng = random.Random(3)
    seconds = []
    mode = ""
    with Library(root, options) as library:
        library.search("warm up")
        for n in range(queries):
            query = QUERIES[n % len(QUERIES)] if n % 2 else " ".join(rng.sample(QUERIES, 2))
            filters = SearchFilters(profile="security", min_level=1) if n % 5 == 0 else None
            started = time.perf_counter()
            result = library.search(query, filters, limit=10)
            seconds.append(time.perf_counter() - started)
            mode = result.mode
    return seconds, mode


def cli_seconds(root: Path, host: str, runs: int = 5) -> float:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "vidscan",
                "search",
                "forklift at the loading dock",
                "--out",
                str(root),
                "--host",
                host,
                "--no-cache",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def large_library(videos: int, keyframes: int, queries: int) -> None:
    with tempfile.TemporaryDirectory(prefix="vidscan-library-") as work, FakeOllama() as server:
        root = Path(work)
        rng = random.Random(7)
        for number in range(videos):
            folder = root / f"clip{number:03d}"
            folder.mkdir()
            (folder / "report.json").write_text(json.dumps(synthetic_report(rng, number, keyframes)))
        words_only = LibraryOptions(embed_model=None, use_cache=False)
        hybrid = LibraryOptions(host=server.url, use_cache=False)
        build_words, size_words, _ = build(root, words_only)
        build_hybrid, size_hybrid, embedded = build(root, hybrid)
        keyword, keyword_mode = latencies(root, words_only, queries)
        mixed, mixed_mode = latencies(root, hybrid, queries)
        cli = cli_seconds(root, server.url)
        ms = {
            name: [percentile(times, share) * 1000 for share in (0.5, 0.95)]
            for name, times in (("keyword", keyword), ("hybrid", mixed))
        }
        rows = [
            ("index build", f"{build_words:.1f} s", f"{build_hybrid:.1f} s ({embedded} vectors over HTTP)"),
            ("index size", f"{size_words / 1e6:.1f} MB", f"{size_hybrid / 1e6:.1f} MB"),
            (
                f"search p50 ({keyword_mode} / {mixed_mode})",
                f"{ms['keyword'][0]:.1f} ms",
                f"{ms['hybrid'][0]:.1f} ms",
            ),
            ("search p95", f"{ms['keyword'][1]:.1f} ms", f"{ms['hybrid'][1]:.1f} ms"),
            ("`vidscan search` command, process start included (median of 5)", "", f"{cli:.2f} s"),
        ]
        print(f"library: {videos} videos x {keyframes} keyframes = {videos * keyframes} moments")
        print("| | words only | words + embeddings (768 dims) |")
        print("|---|---|---|")
        for row in rows:
            print(f"| {' | '.join(row)} |")


LECTURE_QUESTIONS = (
    (0, "where are volcanoes explained?"),
    (0, "how quickly does basalt cool?"),
    (0, "what feeds an eruption?"),
    (0, "lava and magma"),
    (0, "when does the speaker talk about penguins?"),
    (1, "glaciers and ice"),
    (1, "what do moraines mark?"),
    (1, "what is a fjord?"),
    (1, "erosion by glaciers"),
    (1, "the bicycle on the mountain road"),
    (2, "how do sand dunes move?"),
    (2, "what are mesas?"),
    (2, "desert landscapes"),
    (2, "weathering of rock"),
    (2, "the guitar in the kitchen"),
)


def lecture_questions() -> None:
    from tests.lecture_video import cached_lecture_video
    from tests.whisper_fixture import assemble_whisper_base
    from vidscan import Options, analyze
    from vidscan.profiles import load_profile

    lecture = cached_lecture_video()
    whisper = assemble_whisper_base()
    with tempfile.TemporaryDirectory(prefix="vidscan-lecture-") as work, FakeOllama() as server:
        root = Path(work)
        options = Options(
            out=root,
            host=server.url,
            profile=load_profile("lecture"),
            whisper_model=str(whisper) if whisper else None,
            use_cache=False,
        )
        result = analyze(str(lecture.path), options)
        times = [k["time"] for k in result.data["keyframes"]]
        print(f"lecture: {len(times)} keyframes at {', '.join(f'{t:.1f}s' for t in times)}")
        settings = {
            "words only": LibraryOptions(embed_model=None, use_cache=False),
            "hybrid": LibraryOptions(host=server.url, use_cache=False),
        }
        first: dict[str, list[int | None]] = {}
        for label, options_ in settings.items():
            with Library(root, options_) as library:
                first[label] = [_first_slide(library, question, lecture) for _, question in LECTURE_QUESTIONS]
        print("| slide | question | words only: first hit | hybrid: first hit |")
        print("|---|---|---|---|")
        for n, (slide, question) in enumerate(LECTURE_QUESTIONS):
            cells = [_slide_name(first[label][n], slide) for label in settings]
            print(f"| {slide + 1} | {question} | {cells[0]} | {cells[1]} |")
        for label in settings:
            right = sum(
                found == slide for found, (slide, _) in zip(first[label], LECTURE_QUESTIONS, strict=True)
            )
            share = right / len(LECTURE_QUESTIONS)
            print(
                f"{label}: {right} of {len(LECTURE_QUESTIONS)} questions find their slide first ({share:.2f})"
            )


def _first_slide(library: Library, question: str, lecture: object) -> int | None:
    hits = library.search(question, limit=1).hits
    if not hits:
        return None
    slides = lecture.slides  # type: ignore[attr-defined]
    return next((i for i, s in enumerate(slides) if s.start <= hits[0].time < s.end), None)


def _slide_name(found: int | None, wanted: int) -> str:
    if found is None:
        return "nothing"
    return f"slide {found + 1}" + (" ✓" if found == wanted else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100)
    parser.add_argument("--keyframes", type=int, default=100)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--skip-lecture", action="store_true")
    args = parser.parse_args()
    large_library(args.videos, args.keyframes, args.queries)
    if not args.skip_lecture:
        lecture_questions()


if __name__ == "__main__":
    main()
