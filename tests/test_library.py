"""The library index and `vidscan search`: real report.json files, the test server over HTTP (its
embeddings put related words close), the real CLI in subprocesses where a user would use it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SAMPLE_VIDEOS, open_at_once, run_cli, wait_until
from tests.fake_ollama import DEFAULT_MODELS, FakeOllama
from tests.library_fixtures import STREET, Frame, small_library, write_report
from vidscan.library import Library, LibraryOptions, SearchFilters

HOSTILE = [
    '"',
    '"unbalanced',
    "*",
    "bag*",
    "NEAR(",
    "NEAR(bag van, 2)",
    "OR",
    "van OR",
    "AND NOT",
    "((((",
    "bag)",
    "caption: van",
    "^van",
    "-van",
    "🎒🚐",
    "a 🎒 with a van",
    "東京の白いバン",
    "Привет, фургон",
    "شاحنة بيضاء",
    "'; DROP TABLE videos; --",
    "\x00\x01",
    "   ",
    "",
    "van " * 500,
]


def library(out: Path, server: FakeOllama | None) -> Library:
    """The library with the test server's embeddings, or words only (server None)."""
    if server is None:
        return Library(out, LibraryOptions(embed_model=None))
    return Library(out, LibraryOptions(host=server.url))


def index_rows(out: Path) -> tuple[int, int, int]:
    """Videos, moments and word rows, read straight from the file."""
    with sqlite3.connect(out / "library.sqlite3") as db:
        return tuple(  # type: ignore[return-value]
            db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("videos", "moments", "moment_words")
        )


def test_analyze_adds_its_video_and_search_finds_its_moments(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = tmp_path / "out"
    analyzed = run_cli(
        "analyze", str(SAMPLE_VIDEOS / "bikes.mp4"), "--out", str(out), "--host", fake_ollama.url
    )
    assert analyzed.code == 0, analyzed.stderr
    report = json.loads((out / "bikes" / "report.json").read_text())
    keyframes = len(report["keyframes"])
    assert index_rows(out) == (1, keyframes, keyframes)
    assert fake_ollama.embed_calls >= 1  # embedded when published

    found = run_cli("search", "gray frame", "-o", str(out), "--host", fake_ollama.url, "--json")
    assert found.code == 0, found.stderr
    result = found.json()
    assert result["mode"] == "hybrid" and result["searched"] == keyframes
    moments = result["moments"]
    assert moments and all(m["video"] == "bikes.mp4" for m in moments)
    for moment in moments:
        assert Path(moment["image"]).is_file()
        assert moment["link"] == f"{out / 'bikes' / 'report.html'}#kf-{moment['keyframe']}"
        assert "gray" in moment["matches"]
        kf = report["keyframes"][moment["keyframe"]]
        assert kf["time"] == moment["time"] and kf["caption"]["description"] == moment["description"]

    again = run_cli(
        "analyze", str(SAMPLE_VIDEOS / "bikes.mp4"), "--out", str(out), "--host", fake_ollama.url, "--force"
    )
    assert again.code == 0, again.stderr
    assert index_rows(out) == (1, keyframes, keyframes)  # replaced, not added twice
    # paths to the frames, never the frames: no JPEG in the index
    assert b"\xff\xd8\xff" not in (out / "library.sqlite3").read_bytes()


def test_meaning_finds_what_the_words_do_not(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = small_library(tmp_path / "out")
    with library(out, fake_ollama) as hybrid:
        summary = hybrid.refresh()
        assert (summary.videos, summary.moments, summary.embedded) == (3, 9, 9)
        bike = hybrid.search("bike")
        luggage = hybrid.search("a person with luggage")
    assert bike.mode == "hybrid" and bike.notes == ()
    assert [(h.video, h.time, h.matched_by) for h in bike.hits] == [("street.mp4", 2.0, "meaning")]
    assert luggage.hits[0].description == "A woman carries a red suitcase across the square."
    with library(out, None) as words_only:
        plain = words_only.search("bike")
        suitcase = words_only.search("red suitcase")
    assert plain.mode == "keyword" and plain.hits == () and plain.notes == ()  # turned off: no note needed
    assert [h.time for h in suitcase.hits] == [15.0] and suitcase.hits[0].context_text() == (
        "A woman carries a [red] [suitcase] across the square."
    )


def test_words_and_meaning_together_rank_first(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_report(
        out,
        "yard",
        [
            Frame(1.0, "A van drives through the yard."),
            Frame(2.0, "A truck waits by the gate."),  # a vehicle: close by meaning only
            Frame(3.0, "A white van parks by the gate."),  # both words and meaning
            Frame(4.0, "Leaves blow across the yard."),
        ],
    )
    with library(out, fake_ollama) as lib:
        lib.refresh()
        result = lib.search("white van")
    assert [h.time for h in result.hits][:2] == [3.0, 1.0]
    assert result.hits[0].matched_by == "words and meaning"


def test_filters_of_each_profile(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = small_library(tmp_path / "out")
    with library(out, fake_ollama) as lib:
        lib.refresh()

        def found(query: str, **filters: object) -> list[tuple[str, float]]:
            result = lib.search(query, SearchFilters(**filters), limit=50)  # type: ignore[arg-type]
            return [(h.video, h.time) for h in result.hits]

        assert {v for v, _ in found("a")} == {"street.mp4", "warehouse.mp4", "bottling.mp4"}
        assert {v for v, _ in found("a", profile="security")} == {"warehouse.mp4"}
        assert found("a", min_level=2) == [("warehouse.mp4", 30.0)]
        assert sorted(found("a", min_level=1)) == [("warehouse.mp4", 30.0), ("warehouse.mp4", 60.0)]
        assert found("bottle", verdict="fail") == [("bottling.mp4", 4.0)]
        assert {v for v, _ in found("a", videos=("stree",))} == {"street.mp4"}
        assert sorted(found("a", videos=("street", "bottling"), start=3.0, end=10.0)) == [
            ("bottling.mp4", 4.0),
            ("street.mp4", 2.0),  # its stretch of video (2-7 s) reaches into the range
            ("street.mp4", 9.0),
        ]
        assert found("fence", profile="inspection") == []

    cli = run_cli(
        "search", "someone at the fence", "--out", str(out), "--host", fake_ollama.url,
        "--profile", "security", "--min-level", "2", "--from", "0:20", "--to", "1:00", "--json",
    )  # fmt: skip
    assert cli.code == 0, cli.stderr
    assert [(m["video"], m["time"], m["level"]) for m in cli.json()["moments"]] == [
        ("warehouse.mp4", 30.0, 2)
    ]
    bad = run_cli("search", "x", "--out", str(out), "--verdict", "maybe")
    assert bad.code == 2 and "invalid choice" in bad.stderr


def test_any_text_is_a_query_never_an_error(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = small_library(tmp_path / "out")
    write_report(out, "tokyo", [Frame(1.0, "東京の白いバン", ocr="Привет фургон")])
    with library(out, fake_ollama) as lib:
        lib.refresh()
        for query in HOSTILE:
            result = lib.search(query)
            assert result.query == query
        assert [h.video for h in lib.search("Привет").hits] == ["tokyo.mp4"]
        assert "van.mp4" not in {h.video for h in lib.search("'; DROP TABLE videos; --").hits}
        assert lib.search("white van").hits  # the videos table is still there
    for query in ('NEAR(bag "van', "🎒 ((((  OR"):
        result = run_cli("search", query, "--out", str(out), "--host", fake_ollama.url)
        assert result.code == 0 and "Traceback" not in result.stderr, (query, result.stderr)


def test_index_reads_only_what_changed_and_names_what_it_skipped(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    out = small_library(tmp_path / "out")
    first = run_cli("index", str(out), "--host", fake_ollama.url)
    assert first.code == 0, first.stderr
    assert "indexed 3 reports (3 new, 0 changed), 0 unchanged" in first.stdout
    assert "3 videos, 9 moments" in first.stdout and "words and meaning (embeddinggemma)" in first.stdout
    texts = len(fake_ollama.embedded_texts)
    assert texts == 9

    second = run_cli("index", "--out", str(out), "--host", fake_ollama.url)  # as search and ask name it
    assert "indexed 0 reports (0 new, 0 changed), 3 unchanged" in second.stdout
    assert len(fake_ollama.embedded_texts) == texts  # nothing read again, nothing embedded again

    write_report(out, "street", [*STREET[:3], Frame(21.0, "A dog sleeps on the bench.")])
    (out / "broken").mkdir()
    (out / "broken" / "report.json").write_text('{"keyframes": [')
    (out / "notes").mkdir()
    (out / "notes" / "report.json").write_text('{"title": "not a report"}')
    (out / "street" / ".staging-123-x").mkdir()  # an unpublished report of a running analysis
    (out / "street" / ".staging-123-x" / "report.json").write_text('{"keyframes": []}')
    third = run_cli("index", str(out), "--host", fake_ollama.url, "--no-cache")
    assert third.code == 3, third.stderr  # partial: some reports were not indexed
    assert "indexed 1 report (0 new, 1 changed), 2 unchanged" in third.stdout
    assert "skipped broken/report.json: not valid JSON" in third.stdout
    assert "skipped notes/report.json: not a vidscan report" in third.stdout
    assert ".staging" not in third.stdout
    # only the changed video was embedded again (the cache was off, so none of it came from there)
    assert len(fake_ollama.embedded_texts) == texts + 4
    with library(out, fake_ollama) as lib:
        assert [h.time for h in lib.search("dog").hits] == [21.0]
        assert lib.search("pigeons").hits == ()


def test_a_report_deleted_by_hand_is_left_out_and_named(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    import shutil

    out = small_library(tmp_path / "out")
    assert run_cli("index", str(out), "--host", fake_ollama.url).code == 0
    shutil.rmtree(out / "warehouse")
    found = run_cli("search", "fence at night", "--out", str(out), "--host", fake_ollama.url, "--json")
    assert found.code == 0, found.stderr
    assert all(m["video"] != "warehouse.mp4" for m in found.json()["moments"])
    assert "warehouse/report.json" in found.stderr and "vidscan index" in found.stderr
    tidied = run_cli("index", str(out), "--host", fake_ollama.url)
    assert "removed warehouse/report.json: its report.json is gone" in tidied.stdout
    assert index_rows(out) == (2, 6, 6)


def _many_reports(out: Path, count: int) -> None:
    for n in range(count):
        write_report(out, f"clip{n:02d}", STREET, images=False)


def test_two_processes_indexing_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _many_reports(out, 24)
    with FakeOllama() as server:
        server.embed_latency = 0.05
        args = [sys.executable, "-m", "vidscan", "index", str(out), "--host", server.url, "--no-cache", "-q"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        runs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
        finished = [run.communicate(timeout=240) for run in runs]
    for run, (_, stderr) in zip(runs, finished, strict=True):
        assert run.returncode == 0, stderr.decode()
    assert index_rows(out) == (24, 96, 96)
    with sqlite3.connect(out / "library.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        per_video = db.execute("SELECT COUNT(*) FROM moments GROUP BY video_id").fetchall()
        assert per_video == [(4,)] * 24
    with library(out, None) as lib:
        assert len(lib.search("cyclist", limit=100).hits) == 24


def test_processes_that_create_the_index_at_once_all_open_it(tmp_path: Path) -> None:
    """The first processes to open a folder's index race to set it up (SQLite's WAL mode answers the
    loser "database is locked" at once, not after a wait): every one of them opens it."""
    opener = "from vidscan.library.store import LibraryStore\nLibraryStore(pathlib.Path(sys.argv[1])).close()"
    open_at_once(opener, tmp_path)


def test_kill_9_while_indexing_leaves_a_usable_index(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _many_reports(out, 30)
    with FakeOllama() as server:
        # Every clip has the same words, so a cache would answer all but the first at once: without it
        # each clip waits on the server and the kill lands mid-run.
        server.embed_latency = 0.25
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        run = subprocess.Popen(
            [sys.executable, "-m", "vidscan", "index", str(out), "--host", server.url, "--no-cache", "-q"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

        def indexed() -> int:
            try:
                with sqlite3.connect(f"file:{out / 'library.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
                    return int(db.execute("SELECT COUNT(*) FROM videos").fetchone()[0])
            except sqlite3.Error:
                return 0

        wait_until(lambda: indexed() >= 3, timeout=120)
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=30)
        done = indexed()
        assert 3 <= done < 30
        found = run_cli(
            "search", "cyclist", "--out", str(out), "--host", server.url, "--limit", "100", "--json"
        )
        assert found.code == 0, found.stderr
        assert len(found.json()["moments"]) == done  # whole videos only: never half of one
        with sqlite3.connect(out / "library.sqlite3") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rest = run_cli("index", str(out), "--host", server.url)
    assert rest.code == 0, rest.stderr
    assert f"({30 - done} new, 0 changed), {done} unchanged" in rest.stdout
    assert index_rows(out) == (30, 120, 120)


def test_an_unreadable_index_is_set_aside_and_rebuilt(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = small_library(tmp_path / "out")
    (out / "library.sqlite3").write_bytes(b"this is not a database, it was overwritten" * 100)
    found = run_cli("search", "white van", "--out", str(out), "--host", fake_ollama.url)
    assert found.code == 0, found.stderr
    assert "unreadable" in found.stderr and "street.mp4  0:09.0" in found.stdout
    assert list(out.glob("library.sqlite3.unreadable-*"))


def test_an_index_of_words_only_says_how_to_add_meaning(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = small_library(tmp_path / "out")
    assert run_cli("index", str(out), "--embed-model", "none", "--host", fake_ollama.url).code == 0
    found = run_cli("search", "white van", "--out", str(out), "--host", fake_ollama.url)
    assert found.code == 0 and "street.mp4  0:09.0" in found.stdout
    # The command to run names the folder, which is not the default one here.
    assert f"(run `vidscan index {out} --embed-model embeddinggemma` to make them)" in found.stderr
    two = run_cli("index", str(out), "--out", str(tmp_path / "elsewhere"))
    assert two.code == 2 and "two folders given" in two.stderr


def test_without_the_embedding_model_search_says_it_matches_words_only(tmp_path: Path) -> None:
    out = small_library(tmp_path / "out")
    models = {k: v for k, v in DEFAULT_MODELS.items() if not k.startswith("embeddinggemma")}
    with FakeOllama(models=models) as server:
        plain = run_cli("index", str(out), "--host", server.url)
        assert plain.code == 0, plain.stderr
        assert "search matches words only" in plain.stdout
        assert "embeddinggemma" in plain.stderr and "--pull" in plain.stderr
        found = run_cli("search", "white van", "--out", str(out), "--host", server.url)
        assert found.code == 0 and "street.mp4  0:09.0" in found.stdout
        assert "by words only" in found.stdout and "keyword search only" in found.stderr

        pulled = run_cli("index", str(out), "--host", server.url, "--pull")
        assert pulled.code == 0, pulled.stderr
        assert "(0 new, 3 changed)" in pulled.stdout and "words and meaning (embeddinggemma)" in pulled.stdout
        assert server.requests_to("/api/pull")[0]["model"] == "embeddinggemma"
        bike = run_cli("search", "bike", "--out", str(out), "--host", server.url)
        assert "street.mp4  0:02.0" in bike.stdout and "by words and meaning" in bike.stdout

        not_one = run_cli("index", str(out), "--host", server.url, "--embed-model", "qwen2.5:3b")
        assert not_one.code == 0 and "does not make embeddings" in not_one.stderr


def test_embeddings_from_an_openai_compatible_server(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = small_library(tmp_path / "out")
    options = LibraryOptions(
        backend="openai", host=f"{fake_ollama.url}/v1", embed_model="embeddinggemma:latest"
    )
    with Library(out, options) as lib:
        assert lib.refresh().embedded == 9
        result = lib.search("bike")
    assert result.mode == "hybrid" and result.hits[0].time == 2.0
    assert fake_ollama.requests_to("/v1/embeddings") and not fake_ollama.requests_to("/api/embed")


def test_search_builds_the_index_on_first_use(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    out = small_library(tmp_path / "out")  # reports from before the library existed: no index yet
    found = run_cli("search", "white van", "--out", str(out), "--host", fake_ollama.url)
    assert found.code == 0, found.stderr
    assert "indexing the reports" in found.stderr and "street.mp4  0:09.0" in found.stdout
    assert index_rows(out) == (3, 9, 9)
