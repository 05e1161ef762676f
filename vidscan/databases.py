"""What vidscan's two SQLite files (the reply cache, the library index) share."""

from __future__ import annotations

import sqlite3
import time


def set_wal(db: sqlite3.Connection, wait_seconds: float) -> None:
    """Put the file in WAL mode (kept by the file once set). Processes that create the file at once race
    to set it, and SQLite answers the one that loses "database is locked" at once, without the wait a
    transaction gets (1 pair in 10 here): it tries again, for up to `wait_seconds`."""
    deadline, pause = time.monotonic() + wait_seconds, 0.01
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(2 * pause, 0.5)
