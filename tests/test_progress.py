"""Progress of a long pass in video time, with the time left."""

from __future__ import annotations

import io

import pytest

from vidscan import progress
from vidscan.progress import Progress, clock


def test_clock() -> None:
    assert [clock(s) for s in (0, 59.6, 61, 3599, 3600, 86400)] == [
        "0:00", "1:00", "1:01", "59:59", "1:00:00", "24:00:00",
    ]  # fmt: skip


def test_a_day_of_video_is_counted_in_video_time_with_the_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    out = io.StringIO()
    stage = Progress("log", out).stage("video covered", 86400.0, clock=True)
    now[0] += 600.0  # ten minutes for six hours of video: eighteen hours of video left, half an hour
    stage.update(6 * 3600.0)
    stage.note = "1,234 frames decoded"
    now[0] += 1200.0
    stage.update(86399.6)
    stage.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == "vidscan: video covered: 6:00:00/24:00:00 (25%, about 30:00 left)"
    assert lines[-1] == "vidscan: video covered: 24:00:00/24:00:00 (1,234 frames decoded) done in 1800.0s"
