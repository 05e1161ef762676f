"""Fleets of videos on a real local Ray cluster, started by the test and stopped at the end.

The cluster, the test server and vidscan run in a network namespace with only loopback (see
tests/ray_scenario.py), so nothing Ray does can reach past 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2) for a loopback-only network namespace")
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot create a network namespace here (needs root or user namespaces)")
    work = tmp_path_factory.mktemp("ray")
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "tests.ray_scenario", str(work)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work, json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_batch_on_ray_gives_the_same_reports_as_a_local_run(scenario: tuple[Path, dict]) -> None:
    work, result = scenario
    assert result["ray"]["code"] == result["here"]["code"] == 1, result  # the broken file fails, alone
    ray_index = json.loads((work / "ray" / "index.json").read_text())
    here_index = json.loads((work / "here" / "index.json").read_text())
    statuses = [(r["name"], r["status"]) for r in ray_index["videos"]]
    assert statuses == [(r["name"], r["status"]) for r in here_index["videos"]]
    assert ("broken.mp4", "failed") in statuses and statuses.count(("one.mp4", "complete")) == 1
    for name in ("one", "two", "three"):
        a = json.loads((work / "ray" / name / "report.json").read_text())
        b = json.loads((work / "here" / name / "report.json").read_text())
        assert [(k["time"], k["caption"]) for k in a["keyframes"]] == [
            (k["time"], k["caption"]) for k in b["keyframes"]
        ]
        assert (work / "ray" / name / "report.html").is_file()


def test_a_cluster_that_is_not_there_is_one_clear_line(scenario: tuple[Path, dict]) -> None:
    wrong = scenario[1]["wrong"]
    assert wrong["code"] == 1
    assert "Ray cluster" in wrong["stderr"] and "Traceback" not in wrong["stderr"]
