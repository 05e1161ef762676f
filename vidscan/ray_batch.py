"""Fleets of videos on Ray: each video is a Ray task on the cluster's nodes, writing its report to the
output folder (a shared filesystem path, or the driver's when the cluster is this machine).

    vidscan analyze --ray auto clips/        # a running cluster (RAY_ADDRESS or `ray start` on this node)
    vidscan analyze --ray local clips/       # start a cluster on this machine for the run
    vidscan analyze --ray 10.0.0.5:6379 clips/

Failures stay per video, as in a local batch; Ctrl-C on the driver cancels the tasks not yet finished.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .batch import BatchEntry, Job, analyze_one
from .errors import UsageError, VidscanError
from .pipeline import Options, add_to_library
from .progress import Progress


def _reachable(address: str) -> bool:
    """A quick TCP check, so a wrong address fails in seconds instead of Ray's long retries."""
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        return True  # let Ray parse what it knows (ray://, names)
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=3):
            return True
    except OSError:
        return False


def _connect(ray: Any, address: str) -> None:
    if address not in ("auto", "local") and not _reachable(address):
        raise VidscanError(
            f"cannot connect to the Ray cluster at {address!r}: nothing answers there; start one with "
            "`ray start --head`, or use --ray local"
        )
    try:
        if address == "local":
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise VidscanError(
            f"cannot connect to the Ray cluster at {address!r} ({exc}): start one with `ray start --head`, "
            "or use --ray local"
        ) from None


def run_on_ray(
    jobs: list[Job],
    options: Options,
    address: str,
    progress: Progress,
    finished: Callable[[BatchEntry], None],
) -> None:
    # `ray start` turns token authentication on and saves the token in ~/.ray/auth_token; the Ray CLI
    # then uses it, but a driver only does when told so before Ray is imported (it reads its config then).
    if "RAY_AUTH_MODE" not in os.environ and (Path.home() / ".ray" / "auth_token").is_file():
        os.environ["RAY_AUTH_MODE"] = "token"
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray: pip install 'vidscan[ray]'") from None
    _connect(ray, address)
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(analyze_one)
        # Workers run in folders of their own: every path they get is absolute. The driver keeps the
        # library index (one SQLite writer here, not one per node on a shared filesystem).
        driver_options = options
        options = replace(options, out=options.out.resolve(), library=False)
        pending = {
            task.remote(str(Path(video).resolve()), report_dir.resolve(), options): (video, report_dir)
            for video, report_dir in jobs
        }
        progress.message(f"{len(pending)} videos sent to the Ray cluster")
        stage = progress.stage("videos analyzed", len(jobs))
        done = 0
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    video, report_dir = pending.pop(ref)
                    try:
                        entry = replace(ray.get(ref), video=video, report_dir=report_dir)
                    except ray.exceptions.RayError as exc:  # the task's worker died: that video failed
                        entry = BatchEntry(video, report_dir, "failed", 1, f"Ray task failed: {exc}", None)
                    finished(entry)
                    if entry.data is not None:
                        add_to_library(report_dir, driver_options, progress)
                    done += 1
                    stage.update(done)
        except KeyboardInterrupt:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        finally:
            stage.close()
    finally:
        ray.shutdown()
