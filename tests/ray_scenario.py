"""A batch on a real local Ray cluster, compared with the same batch run here. Runs inside a network
namespace that has only loopback (`unshare -n`), so Ray, which likes to talk to the machine's own
address, can reach nothing but 127.0.0.1. Prints a JSON summary for tests/test_ray.py.

    unshare -n python -m tests.ray_scenario WORKDIR
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import REPO, Shot, make_video, run_cli
from tests.fake_ollama import FakeOllama


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(work: Path) -> dict:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    clips = work / "clips"
    clips.mkdir(parents=True)
    make_video(clips / "one.mp4", [Shot("red", 1.0), Shot("blue", 1.0)])
    make_video(clips / "two.mp4", [Shot("green", 1.5)])
    make_video(clips / "three.mp4", [Shot("yellow", 1.0), Shot("magenta", 1.0)])
    (clips / "broken.mp4").write_text("not a video")
    ray_bin = shutil.which("ray") or str(Path(sys.executable).parent / "ray")
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Ray's socket paths must stay short
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAY_USAGE_STATS_ENABLED": "0"}
    start = [
        ray_bin, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=2",
        "--num-gpus=0", "--include-dashboard=false", f"--temp-dir={temp}", "--disable-usage-stats",
    ]  # fmt: skip
    subprocess.run(start, env=env, check=True, capture_output=True, timeout=180)
    try:
        with FakeOllama() as server:
            common = ["--host", server.url, "--no-cache", "--cache-dir", str(work / "cache")]
            on_ray = run_cli("analyze", str(clips), "--out", str(work / "ray"), "--ray", f"127.0.0.1:{port}",
                             *common, timeout=300)  # fmt: skip
            here = run_cli("analyze", str(clips), "--out", str(work / "here"), *common)
            wrong = run_cli("analyze", str(clips / "one.mp4"), "--out", str(work / "x"), "--ray",
                            f"127.0.0.1:{_free_port()}", timeout=120)  # fmt: skip
    finally:
        subprocess.run([ray_bin, "stop", "--force"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)
    return {
        "ray": {"code": on_ray.code, "stderr": on_ray.stderr[-2000:]},
        "here": {"code": here.code, "stderr": here.stderr[-2000:]},
        "wrong": {"code": wrong.code, "stderr": wrong.stderr[-2000:]},
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
