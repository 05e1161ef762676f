"""Runs that survive a flaky model server, bad input and kills, and never pay twice for a frame."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import (
    REPO,
    SAMPLE_VIDEOS,
    Shot,
    make_video,
    open_at_once,
    run_cli,
    shared_video,
    start_cli,
    wait_until,
)
from tests.fake_ollama import ERR_RUNNER_STOPPED, ERR_SERVER_BUSY, FakeOllama
from vidscan import Options, analyze
from vidscan.cache import ReplyCache

BIKES = SAMPLE_VIDEOS / "bikes.mp4"
COLOURS = ["red", "blue", "green", "yellow", "magenta", "cyan", "white", "orange"]


@pytest.fixture(scope="module")
def eight_shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight one-second shots of different colours: eight keyframes, eight model calls."""
    path = tmp_path_factory.mktemp("clips") / "eight.mp4"
    return make_video(path, [Shot(c, 1.0) for c in COLOURS], size="160x120")


def _opts(tmp_path: Path, server: FakeOllama, **kw: object) -> Options:
    base: dict = {"out": tmp_path / "out", "host": server.url, "timeout": 5.0}
    base.update(kw)
    return Options(**base)  # type: ignore[arg-type]


# --- the cache -------------------------------------------------------------------------------------


def test_rerun_makes_zero_model_calls(fake_ollama: FakeOllama, tmp_path: Path, eight_shots: Path) -> None:
    first = analyze(str(eight_shots), _opts(tmp_path, fake_ollama))
    calls = fake_ollama.calls
    assert first.data["run"]["model_calls"] == calls >= 9
    second = analyze(str(eight_shots), _opts(tmp_path, fake_ollama, force=True))
    assert fake_ollama.calls == calls  # not one more call
    assert second.data["run"]["model_calls"] == 0
    assert second.data["run"]["cache_hits"] == calls
    assert [k["caption"] for k in second.data["keyframes"]] == [k["caption"] for k in first.data["keyframes"]]


def test_cache_key_includes_model_digest(fake_ollama: FakeOllama, tmp_path: Path, eight_shots: Path) -> None:
    analyze(str(eight_shots), _opts(tmp_path, fake_ollama))
    calls = fake_ollama.calls
    fake_ollama.remove_model("qwen2.5vl:3b")
    # a new version of the same model name
    fake_ollama.add_model("qwen2.5vl:3b", {"capabilities": ["completion", "vision"], "digest": "f" * 64})
    analyze(str(eight_shots), _opts(tmp_path, fake_ollama, force=True))
    assert fake_ollama.calls > calls


def _start_one_at_a_time(video: Path, out: Path, server: FakeOllama) -> subprocess.Popen[str]:
    return start_cli("analyze", str(video), "--out", str(out), "--host", server.url, "--parallel", "1", "-q")


def test_killed_run_resumes_where_it_stopped(tmp_path: Path, eight_shots: Path) -> None:
    with FakeOllama(latency=0.4, slots=1) as server:
        proc = _start_one_at_a_time(eight_shots, tmp_path / "out", server)
        wait_until(lambda: server.calls >= 4)
        proc.kill()  # kill -9: no cleanup code runs
        proc.wait()
        answered_before_kill = server.calls - 1  # the call in flight was lost
        assert not (tmp_path / "out" / "eight" / "report.json").exists()
        server.reset_records()
        result = run_cli("analyze", str(eight_shots), "--out", str(tmp_path / "out"), "--host", server.url)
        assert result.code == 0, result.stderr
        report = json.loads((tmp_path / "out" / "eight" / "report.json").read_text())
        assert report["run"]["cache_hits"] >= answered_before_kill - 1
        assert server.calls <= 9 - (answered_before_kill - 1)
        assert not [p for p in (tmp_path / "out" / "eight").iterdir() if p.name.startswith(".")]


def test_cache_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path / "c", max_bytes=2000)
    for i in range(10):
        cache.put(f"k{i}", "m", {"text": "x" * 300})
        cache.get("k0")  # keep using the first one
    info = cache.info()
    assert info.bytes <= 2000
    assert cache.get("k0") is not None and cache.get("k1") is None and cache.get("k9") is not None
    cache.close()


def test_processes_that_create_the_cache_at_once_all_open_it(tmp_path: Path) -> None:
    """Parallel first runs on a machine (a batch script's jobs) race to create the reply cache: each
    opens it, none stops with "database is locked"."""
    open_at_once("from vidscan.cache import ReplyCache\nReplyCache(pathlib.Path(sys.argv[1]))", tmp_path)


def test_cache_cli_info_and_clear(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    cache_dir = tmp_path / "my-cache"
    ran = run_cli(
        "analyze",
        str(BIKES),
        "--out",
        str(tmp_path),
        "--host",
        fake_ollama.url,
        "--cache-dir",
        str(cache_dir),
    )
    assert ran.code == 0
    info = run_cli("cache", "info", "--cache-dir", str(cache_dir))
    # one reply per caption or summary call, and one per keyframe embedded for the library's search
    replies = fake_ollama.calls + len(fake_ollama.embedded_texts)
    assert info.code == 0 and f"{replies} replies" in info.stdout
    cleared = run_cli("cache", "clear", "--cache-dir", str(cache_dir))
    assert cleared.code == 0 and "removed" in cleared.stdout
    assert "0 replies" in run_cli("cache", "info", "--cache-dir", str(cache_dir)).stdout
    calls = fake_ollama.calls
    no_cache = run_cli(
        "analyze", str(BIKES), "--out", str(tmp_path), "--host", fake_ollama.url, "--no-cache", "--force"
    )
    assert no_cache.code == 0 and fake_ollama.calls > calls


# --- model-server faults ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"), [(500, ERR_RUNNER_STOPPED), (503, ERR_SERVER_BUSY)], ids=["500-runner", "503-busy"]
)
def test_transient_server_errors_are_retried(
    fake_ollama: FakeOllama, tmp_path: Path, eight_shots: Path, status: int, message: str
) -> None:
    fake_ollama.fail_next(2, status, message)
    result = analyze(str(eight_shots), _opts(tmp_path, fake_ollama, parallel=1))
    assert result.exit_code == 0
    assert all(k["caption"] for k in result.data["keyframes"])


def test_capability_mismatch_400_is_not_retried(
    fake_ollama: FakeOllama, tmp_path: Path, eight_shots: Path
) -> None:
    fake_ollama.fail_next(1, 400, '"qwen2.5vl:3b" does not support chat')
    result = analyze(str(eight_shots), _opts(tmp_path, fake_ollama, parallel=1))
    assert result.exit_code == 3
    failed = [k for k in result.data["keyframes"] if k["error"]]
    assert len(failed) == 1 and "does not support chat" in failed[0]["error"]
    assert fake_ollama.calls == 9  # 8 frames + summary: the 400 was not retried


def test_slow_reply_hits_the_timeout_and_is_retried(
    fake_ollama: FakeOllama, tmp_path: Path, eight_shots: Path
) -> None:
    fake_ollama.delay_next(1, 5.0)
    started = time.monotonic()
    result = analyze(str(eight_shots), _opts(tmp_path, fake_ollama, parallel=1, timeout=1.0))
    assert result.exit_code == 0
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("content", "done_reason", "why"),
    [
        ("{not json", "stop", "not JSON"),
        ('{"description": 7, "objects": "x"}', "stop", "schema"),
        ('{"description": "A red', "length", "cut off"),
        ("", "stop", "empty"),
        ('{"description": "' + "x" * 10_000_000 + '"}', "stop", "characters long"),
    ],
    ids=["malformed", "schema", "truncated", "empty", "10MB"],
)
def test_bad_replies_are_asked_again_then_kept_as_errors(
    fake_ollama: FakeOllama, tmp_path: Path, eight_shots: Path, content: str, done_reason: str, why: str
) -> None:
    fake_ollama.reply_next(1, content=content, done_reason=done_reason)
    recovered = analyze(str(eight_shots), _opts(tmp_path, fake_ollama, parallel=1))
    assert recovered.exit_code == 0  # the re-ask got a valid answer
    fake_ollama.reply_next(2, content=content, done_reason=done_reason)
    kept = analyze(str(eight_shots), _opts(tmp_path, fake_ollama, parallel=1, use_cache=False, force=True))
    assert kept.exit_code == 3
    failed = [k for k in kept.data["keyframes"] if k["error"]]
    assert len(failed) == 1 and why in failed[0]["error"] and failed[0]["caption"] is None
    assert len(json.dumps(kept.data)) < 100_000  # a huge reply does not end up in the report
    assert kept.data["summary"] is not None


def test_error_line_in_a_stream_is_retried(
    fake_ollama: FakeOllama, tmp_path: Path, eight_shots: Path
) -> None:
    fake_ollama.stream_error_next(1, ERR_RUNNER_STOPPED)
    result = analyze(str(eight_shots), _opts(tmp_path, fake_ollama, parallel=1))
    assert result.exit_code == 0


def test_server_dying_mid_run_stops_early_with_one_message(tmp_path: Path, eight_shots: Path) -> None:
    with FakeOllama(latency=0.2, slots=1) as server:

        def kill_after_three() -> None:
            while server.calls < 3:
                time.sleep(0.02)
            server.stop()

        threading.Thread(target=kill_after_three, daemon=True).start()
        started = time.monotonic()
        result = analyze(str(eight_shots), _opts(tmp_path, server, parallel=1))
    assert result.exit_code == 3
    assert time.monotonic() - started < 30
    captioned = [k for k in result.data["keyframes"] if k["caption"]]
    assert 2 <= len(captioned) < 8
    problems = result.data["run"]["problems"]
    assert any("went away" in p for p in problems)
    assert all("ollama serve" in k["error"] for k in result.data["keyframes"] if not k["caption"])


def test_server_coming_back_mid_run_is_bridged(tmp_path: Path, eight_shots: Path) -> None:
    with FakeOllama(latency=0.1, slots=1) as server:

        def bounce() -> None:
            while server.calls < 3:
                time.sleep(0.02)
            server.stop()
            time.sleep(0.4)
            server.start()

        threading.Thread(target=bounce, daemon=True).start()
        result = analyze(str(eight_shots), _opts(tmp_path, server, parallel=1))
    assert result.exit_code == 0, result.data["run"]["problems"]
    assert all(k["caption"] for k in result.data["keyframes"])


def test_model_removed_mid_run_says_how_to_pull(
    fake_ollama: FakeOllama, tmp_path: Path, eight_shots: Path
) -> None:
    fake_ollama.fail_next(1, 404, 'model "qwen2.5vl:3b" not found, try pulling it first')
    result = analyze(str(eight_shots), _opts(tmp_path, fake_ollama, parallel=1))
    assert result.exit_code == 3
    assert any("ollama pull" in (k["error"] or "") for k in result.data["keyframes"])


# --- bad input -------------------------------------------------------------------------------------


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def _truncated(tmp_path: Path, fraction: float, faststart: bool) -> Path:
    source = tmp_path / ("fs.mp4" if faststart else "plain.mp4")
    make_video(
        source, [Shot("red", 2.0), Shot("blue", 2.0)], extra=["-movflags", "+faststart"] if faststart else []
    )
    data = source.read_bytes()
    cut = tmp_path / f"cut-{fraction}-{faststart}.mp4"
    cut.write_bytes(data[: int(len(data) * fraction)])
    return cut


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    cases: dict[str, Path] = {}
    cases["empty"] = tmp_path / "empty.mp4"
    cases["empty"].write_bytes(b"")
    cases["text"] = tmp_path / "notes.mp4"
    cases["text"].write_text("just some text\n" * 100)
    cases["no index (moov)"] = _truncated(tmp_path, 0.5, faststart=False)
    cases["cut in half"] = _truncated(tmp_path, 0.5, faststart=True)
    cases["audio only"] = tmp_path / "tone.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=1", str(cases["audio only"]))
    cases["still image"] = tmp_path / "still.png"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1", str(cases["still image"]))
    cases["one frame"] = tmp_path / "one.mp4"
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x240:r=25",
        "-frames:v",
        "1",
        "-c:v",
        "libx264",
        str(cases["one frame"]),
    )
    cases["variable frame rate"] = tmp_path / "vfr.mkv"
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x240:r=30:d=3",
        "-vf",
        "setpts='if(lt(N,40),N/30,N/10)/TB'",
        "-fps_mode",
        "vfr",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(cases["variable frame rate"]),
    )
    cases["10-bit HEVC"] = tmp_path / "hevc10.mkv"
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x240:r=25:d=2",
        "-c:v",
        "libx265",
        "-pix_fmt",
        "yuv420p10le",
        "-x265-params",
        "log-level=error",
        "-preset",
        "ultrafast",
        str(cases["10-bit HEVC"]),
    )
    cases["8K"] = tmp_path / "eightk.mp4"
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=7680x4320:r=5:d=1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(cases["8K"]),
    )
    cases["name with 'quotes', spaces, ünïcode and a leading dash"] = make_video(
        tmp_path / "-a 'clip' \"ünï\".mp4", [Shot("red", 1.0)]
    )
    return cases


EXPECT_REPORT = {"one frame", "still image", "variable frame rate", "10-bit HEVC", "8K",
                 "name with 'quotes', spaces, ünïcode and a leading dash"}  # fmt: skip
EXPECT_PARTIAL = {"cut in half"}  # a report of what is there, and the run says the file was cut short


def test_bad_input_gives_a_report_or_one_clear_line(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    cases = _bad_inputs(tmp_path)
    for name, path in cases.items():
        out = tmp_path / "out" / str(abs(hash(name)))
        result = run_cli(
            "analyze", "--out", str(out), "--host", fake_ollama.url, "--", str(path), timeout=120
        )
        assert "Traceback" not in result.stderr, (name, result.stderr)
        leftovers = [p for p in out.rglob(".*")] if out.exists() else []
        assert not leftovers, (name, leftovers)
        if name in EXPECT_REPORT | EXPECT_PARTIAL:
            assert result.code == (3 if name in EXPECT_PARTIAL else 0), (name, result.stderr)
            report = json.loads(next(out.rglob("report.json")).read_text())
            assert report["keyframes"] and all(k["caption"] for k in report["keyframes"]), name
            if name in EXPECT_PARTIAL:
                assert any("cut short" in problem for problem in report["run"]["problems"]), report["run"]
                assert "cut short" in result.stderr, result.stderr
        else:
            assert result.code == 1, (name, result.code, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("vidscan: error:"), (name, result.stderr)
            if name == "no index (moov)":  # says what happened to it, not only that ffmpeg cannot read it
                assert "never written" in lines[0] and "not finished" in lines[0], lines[0]
            assert not out.exists() or not list(out.rglob("report.*")), name


def test_frames_that_do_not_decode_do_not_stop_a_run(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    result = analyze(str(shared_video("inspection/opencv_box.mp4")), _opts(tmp_path, fake_ollama))
    assert result.exit_code == 0 and result.data["keyframes"]


def test_header_that_lies_about_its_length(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    """A container whose header claims 60 s for 3 s of frames: the report covers what is there."""
    real = make_video(tmp_path / "short.mp4", [Shot("red", 1.5), Shot("blue", 1.5)])
    liar = tmp_path / "liar.mkv"
    # the Matroska header carries a DURATION tag we can set to anything
    _ffmpeg("-i", str(real), "-c", "copy", "-metadata:s:v", "DURATION=00:01:00.000000000", str(liar))
    result = analyze(str(liar), _opts(tmp_path, fake_ollama))
    assert result.exit_code == 0
    assert all(k["time"] < 3.1 for k in result.data["keyframes"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = make_video(tmp_path / "secret.mp4", [Shot("red", 1.0)])
    path.chmod(0)
    result = run_cli("analyze", str(path), "--out", str(tmp_path / "out"))
    assert result.code == 1 and "permission denied" in result.stderr


def test_full_disk_leaves_no_partial_files(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    """Simulated with a file-size limit: writes fail like on a full disk (EFBIG instead of ENOSPC)."""
    import resource

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vidscan",
            "analyze",
            str(BIKES),
            "--out",
            str(out),
            "--host",
            fake_ollama.url,
            "--no-cache",
            "-q",
        ],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit_file_size,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0]
    assert not [p for p in out.rglob("*") if p.is_file()]


# --- batches -------------------------------------------------------------------------------------


def test_batch_isolates_failures_and_writes_an_index(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    make_video(clips / "a.mp4", [Shot("red", 1.0), Shot("blue", 1.0)])
    make_video(clips / "sub" / "b.mkv", [Shot("green", 1.0)])
    (clips / "sub" / "broken.mp4").write_text("not a video")
    (clips / "notes.txt").write_text("ignored: not a video file name")
    out = tmp_path / "out"
    result = run_cli("analyze", str(clips), "--out", str(out), "--host", fake_ollama.url)
    assert result.code == 1  # one video failed
    assert "broken.mp4" in result.stderr
    index = json.loads((out / "index.json").read_text())
    by_name = {row["name"]: row for row in index["videos"]}
    assert set(by_name) == {"a.mp4", "b.mkv", "broken.mp4"}
    assert by_name["a.mp4"]["status"] == "complete" and by_name["a.mp4"]["keyframes"] == 2
    assert by_name["broken.mp4"]["status"] == "failed" and "not a video" in by_name["broken.mp4"]["error"]
    assert (out / by_name["b.mkv"]["report"]).is_file()
    html = (out / "index.html").read_text()
    assert "a.mp4" in html and "broken.mp4" in html

    calls = fake_ollama.calls
    again = run_cli(
        "analyze",
        str(clips / "a.mp4"),
        str(clips / "sub" / "b.mkv"),
        "--out",
        str(out),
        "--host",
        fake_ollama.url,
    )
    assert again.code == 0
    assert fake_ollama.calls == calls  # complete, current reports are not redone
    assert "--force" in again.stderr


def test_same_names_in_a_batch_do_not_overwrite_each_other(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    one = (
        make_video(tmp_path / "x" / "clip.mp4", [Shot("red", 1.0)])
        if (tmp_path / "x").mkdir() is None
        else None
    )
    two = (
        make_video(tmp_path / "y" / "clip.mp4", [Shot("blue", 1.0)])
        if (tmp_path / "y").mkdir() is None
        else None
    )
    assert one and two
    result = run_cli("analyze", str(one), str(two), "--out", str(tmp_path / "out"), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr
    reports = sorted((tmp_path / "out").glob("*/report.json"))
    assert [p.parent.name for p in reports] == ["clip", "clip-2"]


def test_ctrl_c_in_a_batch_keeps_finished_reports_and_leaves_nothing_half(tmp_path: Path) -> None:
    clips = [
        make_video(tmp_path / f"c{i}.mp4", [Shot(c, 1.0), Shot("white", 1.0)])
        for i, c in enumerate(COLOURS[:3])
    ]
    with FakeOllama(latency=0.3, slots=1) as server:
        proc = start_cli(
            "analyze",
            *map(str, clips),
            "--out",
            str(tmp_path / "out"),
            "--host",
            server.url,
            "--parallel",
            "1",
            "-q",
        )
        wait_until(lambda: (tmp_path / "out" / "c0" / "report.json").exists())
        wait_until(lambda: server.calls >= 5)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    out = tmp_path / "out"
    assert (out / "c0" / "report.json").is_file() and (out / "c0" / "report.html").is_file()
    assert not (out / "c1" / "report.json").exists()
    assert not [p for p in out.rglob(".*")]  # no temporary frames or half-written files
    index = json.loads((out / "index.json").read_text())
    assert [r["status"] for r in index["videos"]] == ["complete", "interrupted", "interrupted"]


def test_sigterm_cleans_up_temporary_frames(tmp_path: Path, eight_shots: Path) -> None:
    with FakeOllama(latency=0.5, slots=1) as server:
        proc = _start_one_at_a_time(eight_shots, tmp_path / "out", server)
        wait_until(lambda: server.calls >= 2)
        proc.terminate()
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in stderr
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.startswith(".") or p.suffix == ".json"]


def test_remote_host_is_announced_once(
    fake_ollama: FakeOllama, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test server stands in for a remote host (tests never send traffic off this machine)."""
    import io

    from vidscan import pipeline
    from vidscan.backends import is_local_host
    from vidscan.progress import Progress

    assert is_local_host(fake_ollama.url) and not is_local_host("http://gpu-box:11434")
    monkeypatch.setattr(pipeline, "is_local_host", lambda host: False)
    log = io.StringIO()
    analyze(str(BIKES), _opts(tmp_path, fake_ollama), Progress("log", log))
    assert log.getvalue().count("which is not this machine") == 1
    quiet = io.StringIO()
    monkeypatch.setattr(pipeline, "is_local_host", lambda host: True)
    analyze(str(BIKES), _opts(tmp_path, fake_ollama, force=True), Progress("log", quiet))
    assert "not this machine" not in quiet.getvalue()
