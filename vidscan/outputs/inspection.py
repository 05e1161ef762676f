"""Inspection outputs for a batch of clips: verdicts.csv, verdicts.json and a one-line-per-clip table.

Reads from each report dict: ``video.name`` (or ``video.path``) and ``verdicts``, the clip's rows from
``vidscan.profiles.check_verdicts``: ``{"check_id", "check", "verdict", "reason", "keyframes",
"times"}``. A clip's verdict is the worst of its checks (fail > uncertain > pass), or ``error`` when
its analysis failed (see failed_report: each check's row then says why); a clip without verdicts is
uncertain.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..profiles.checklist import Check
from ..profiles.schemas import VERDICTS
from .text import clip_name, format_clock

CSV_COLUMNS = ("clip", "check_id", "check", "verdict", "reason", "evidence_times")
ERROR = "error"  # the verdict of a clip that could not be analysed (not a video, a file cut short, ...)
_SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def check_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The clip's per-check rows, each with the clip's name, in check order."""
    rows = []
    for row in report.get("verdicts") or []:
        if isinstance(row, dict) and row.get("verdict") in (*VERDICTS, ERROR):
            rows.append(
                {
                    "clip": clip_name(report),
                    "check_id": str(row.get("check_id") or ""),
                    "check": str(row.get("check") or ""),
                    "verdict": str(row["verdict"]),
                    "reason": " ".join(str(row.get("reason") or "").split()),
                    "evidence_times": [float(t) for t in row.get("times") or []],
                }
            )
    return rows


def failed_report(video: str, error: str, checks: Sequence[Check]) -> dict[str, Any]:
    """What the batch's verdict files say of a clip whose analysis failed: each check `error`, with the
    reason, so that no clip of the batch is missing from them."""
    return {
        "video": {"name": Path(video).name, "path": video},
        "verdicts": [
            {"check_id": check.id, "check": check.text, "verdict": ERROR, "reason": error, "times": []}
            for check in checks
        ],
    }


def clip_verdict(report: Mapping[str, Any]) -> str:
    """The worst verdict of the clip's checks: fail > uncertain > pass; uncertain without any; error
    when its analysis failed."""
    verdicts = [row["verdict"] for row in check_rows(report)]
    if ERROR in verdicts:
        return ERROR
    return max(verdicts, key=VERDICTS.index) if verdicts else "uncertain"


def any_fail(reports: Sequence[Mapping[str, Any]]) -> bool:
    """True when some clip failed a check (exit code 4)."""
    return any(clip_verdict(report) == "fail" for report in reports)


def verdicts_csv(reports: Sequence[Mapping[str, Any]]) -> str:
    """verdicts.csv: one row per clip and check; evidence times in seconds, separated by ';'."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for report in reports:
        for row in check_rows(report):
            times = ";".join(f"{t:.2f}" for t in row["evidence_times"])
            writer.writerow([_cell(row[c]) for c in CSV_COLUMNS[:-1]] + [times])
    return buffer.getvalue()


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula; reasons come from a model.
    return "'" + value if value.startswith(_SPREADSHEET_FORMULA) else value


def verdicts_json(reports: Sequence[Mapping[str, Any]]) -> str:
    """verdicts.json: ``{"clips": [{"clip", "verdict"}], "rows": [the CSV's rows, times as lists]}``."""
    data = {
        "clips": [{"clip": clip_name(r), "verdict": clip_verdict(r)} for r in reports],
        "rows": [row for report in reports for row in check_rows(report)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def verdict_table(reports: Sequence[Mapping[str, Any]]) -> str:
    """One line per clip for the terminal: verdict, name, and the checks that did not pass."""
    width = max((len(clip_name(r)) for r in reports), default=0)
    lines = []
    for report in reports:
        verdict = clip_verdict(report)
        rows = check_rows(report)
        problems = [
            f"{row['check_id']} {row['verdict']}"
            + (f" at {format_clock(row['evidence_times'][0])}" if row["evidence_times"] else "")
            for row in rows
            if row["verdict"] != "pass"
        ]
        every = "the check passes" if len(rows) == 1 else f"all {len(rows)} checks pass"
        detail = "; ".join(problems) if problems else every
        if verdict == ERROR:
            detail = f"not analysed: {rows[0]['reason']}"
        elif not rows:
            detail = "no verdicts (the analysis did not finish)"
        lines.append(f"{verdict.upper():<9} {clip_name(report):<{width}}  {detail}")
    return "\n".join(lines) + ("\n" if lines else "")
