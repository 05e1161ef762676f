"""A content-addressed cache of model replies in SQLite, so no frame or summary window is paid for twice.

Key: sha256 over the exact bytes sent (images, prompt, system prompt, schema) plus the model name and
its digest, so a changed image, prompt, schema or model version is a miss. Each entry is written in its
own transaction (WAL journal): a run killed at any moment leaves only whole entries, and the next run
resumes from them. The file is bounded in size; the least recently used entries go first.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .databases import set_wal
from .errors import OutputError

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB of replies is far more than most users ever collect


def default_cache_dir() -> Path:
    """$VIDSCAN_CACHE_DIR, else $XDG_CACHE_HOME/vidscan, else ~/.cache/vidscan."""
    env = os.environ.get("VIDSCAN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vidscan"


def cache_key(model: str, digest: str, payload: dict[str, Any], images: list[bytes]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"model": model, "digest": digest, **payload}, sort_keys=True).encode())
    for image in images:
        h.update(hashlib.sha256(image).digest())
    return h.hexdigest()


def open_reply_cache(directory: Path | None, max_bytes: int = DEFAULT_MAX_BYTES) -> ReplyCache:
    """The cache in `directory` (None: the default one), or an error that says what to do."""
    directory = directory or default_cache_dir()
    try:
        return ReplyCache(directory, max_bytes)
    except (OSError, sqlite3.Error) as exc:
        raise OutputError(
            f"cannot use the cache in {directory}: {exc}; pass --cache-dir or --no-cache"
        ) from None


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    entries: int
    bytes: int
    max_bytes: int


_BUSY_SECONDS = 30.0  # how long a process waits for another's write, or to set the file up


class ReplyCache:
    """Thread-safe: one connection, guarded by a lock (SQLite serializes writers anyway)."""

    def __init__(self, directory: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "replies.sqlite3"
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, timeout=_BUSY_SECONDS, isolation_level=None
        )
        set_wal(self._db, _BUSY_SECONDS)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, model TEXT, value TEXT NOT NULL,"
            " size INTEGER NOT NULL, created REAL NOT NULL, used REAL NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS replies_used ON replies(used)")
        self._db.execute("CREATE TABLE IF NOT EXISTS digests (model TEXT PRIMARY KEY, digest TEXT NOT NULL)")

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM replies WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE replies SET used = ? WHERE key = ?", (time.time(), key))
        value: dict[str, Any] = json.loads(row[0])
        return value

    def put(self, key: str, model: str, value: dict[str, Any]) -> None:
        text = json.dumps(value, ensure_ascii=False)
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO replies (key, model, value, size, created, used)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, model, text, len(text.encode()), now, now),
            )
            self._evict()

    def _evict(self) -> None:
        total = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM replies").fetchone()[0]
        if total <= self.max_bytes:
            return
        excess = total - self.max_bytes
        rows = self._db.execute("SELECT key, size FROM replies ORDER BY used ASC").fetchall()
        doomed = []
        for key, size in rows:
            if excess <= 0:
                break
            doomed.append((key,))
            excess -= size
        self._db.executemany("DELETE FROM replies WHERE key = ?", doomed)

    def remember_digest(self, model: str, digest: str) -> None:
        if digest:
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO digests VALUES (?, ?)", (model, digest))

    def known_digest(self, model: str) -> str:
        """The digest last seen for a model, so cached replies still count when the server is down."""
        with self._lock:
            row = self._db.execute("SELECT digest FROM digests WHERE model = ?", (model,)).fetchone()
        return str(row[0]) if row else ""

    def info(self) -> CacheInfo:
        with self._lock:
            entries, size = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM replies"
            ).fetchone()
        return CacheInfo(self.path, int(entries), int(size), self.max_bytes)

    def clear(self) -> int:
        with self._lock:
            count = self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]
            self._db.execute("DELETE FROM replies")
            self._db.execute("DELETE FROM digests")
        with self._lock:
            self._db.execute("VACUUM")
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._db.close()
