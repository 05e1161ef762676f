"""The library's SQLite file beside the reports: videos, their moments, the moments' words (FTS5) and
their vectors.

One file, ``library.sqlite3``, in the library's folder. It holds paths to frames, never the frames. Each
video's entries are replaced in one transaction, so a process killed at any moment (kill -9 too) leaves
the index as it was before or after that video, never half of it. In WAL mode searches read while another
process writes, and writers wait for each other (a busy timeout) instead of failing.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..databases import set_wal
from .moments import Moment, VideoEntry
from .vectors import VectorSet, from_rows, quantize

LIBRARY_FILE = "library.sqlite3"
SCHEMA_VERSION = 4  # a file of another version is emptied and rebuilt from the reports
BUSY_SECONDS = 60.0  # how long a writer waits for another process's transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (
    id INTEGER PRIMARY KEY,
    report TEXT NOT NULL UNIQUE,          -- report.json, relative to the library folder
    content_key TEXT NOT NULL,            -- sha256 of the report.json bytes that were indexed
    report_mtime INTEGER NOT NULL,        -- their mtime_ns: an older file never replaces a newer entry
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    profile TEXT NOT NULL,
    duration REAL NOT NULL,
    title TEXT NOT NULL,
    text_model TEXT NOT NULL,             -- the model that summarized it: the default for `ask`
    embed_model TEXT NOT NULL,            -- the model of its moments' vectors, '' when they have none
    indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS moments (
    id INTEGER PRIMARY KEY,               -- also the rowid of its words in moment_words
    video_id INTEGER NOT NULL REFERENCES videos(id),
    keyframe INTEGER NOT NULL,
    time REAL NOT NULL,
    seg_start REAL NOT NULL,
    seg_end REAL NOT NULL,
    image TEXT NOT NULL,                  -- relative to the report's folder
    description TEXT NOT NULL,
    level INTEGER,
    verdicts TEXT NOT NULL                -- ' fail pass ': each verdict between spaces, for LIKE
);
CREATE INDEX IF NOT EXISTS moments_video ON moments(video_id);
CREATE TABLE IF NOT EXISTS vectors (      -- one row a video: a search reads 100 rows, not 10,000
    video_id INTEGER PRIMARY KEY REFERENCES videos(id),
    ids BLOB NOT NULL,                    -- int64 moment ids
    codes BLOB NOT NULL,                  -- int8 vectors from videos.embed_model, one row per id
    scales BLOB NOT NULL                  -- float32, one per id (see vectors.py)
);
CREATE VIRTUAL TABLE IF NOT EXISTS moment_words USING fts5(
    caption, screen, speech, story, video, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""
# bm25 weights of moment_words' columns: what the frame shows and says counts more than its context.
BM25_WEIGHTS = (1.0, 1.0, 1.0, 0.6, 0.4)


@dataclass(frozen=True)
class SearchFilters:
    """What a search may return; None or empty means no limit."""

    videos: tuple[str, ...] = ()  # parts of a video's file name or report folder (any of them)
    profile: str | None = None  # general, lecture, security, inspection, or a custom profile's name
    start: float | None = None  # seconds: moments whose stretch of video ends at or after this
    end: float | None = None  # seconds: moments whose stretch of video starts at or before this
    min_level: int | None = None  # security: moments at this level or above
    verdict: str | None = None  # inspection: moments with a check that got this verdict
    reports: tuple[str, ...] = ()  # report.json paths relative to the library (e.g. one video for ask)


@dataclass(frozen=True)
class IndexedVideo:
    content_key: str
    report_mtime: int
    embed_model: str


@dataclass(frozen=True)
class MomentRow:
    """A moment as a search reads it back."""

    id: int
    report: str  # report.json, relative to the library folder
    name: str
    profile: str
    keyframe: int
    time: float
    segment: tuple[float, float]
    image: str
    description: str
    level: int | None
    verdicts: tuple[str, ...]


class LibraryStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LIBRARY_FILE
        self.recovered: str | None = None  # set when an unreadable file was set aside and rebuilt
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise  # locked, read-only, disk full: nothing a new file would fix
            # Not a database any more (truncated or overwritten by hand): keep it for a look, start anew;
            # the next refresh fills the new file from the reports, which are the source of truth.
            aside = self.path.with_name(f"{LIBRARY_FILE}.unreadable-{int(time.time())}")
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):
                self.path.with_name(LIBRARY_FILE + suffix).unlink(missing_ok=True)
            self.recovered = f"the library index was unreadable ({exc}); it was moved to {aside.name}"
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        try:
            set_wal(db, BUSY_SECONDS)
            db.execute("PRAGMA synchronous=NORMAL")
            self._db = db
            with self.writing():
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, SCHEMA_VERSION):
                    for table in ("moment_words", "vectors", "moments", "videos"):
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in _SCHEMA.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: taken at once (BEGIN IMMEDIATE), so writers queue instead of deadlocking."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside it sees the same state of the index."""
        self._db.execute("BEGIN")
        try:
            yield self._db
        finally:
            self._db.execute("COMMIT")

    # --- what is indexed ----------------------------------------------------------------------------

    def indexed(self) -> dict[str, IndexedVideo]:
        rows = self._db.execute("SELECT report, content_key, report_mtime, embed_model FROM videos")
        return {report: IndexedVideo(key, mtime, model) for report, key, mtime, model in rows}

    def counts(self, model: str | None = None) -> tuple[int, int, int]:
        """Videos, moments, and moments with a vector from `model`."""
        videos = self._db.execute("SELECT COUNT(*) FROM videos").fetchone()[0]
        moments = self._db.execute("SELECT COUNT(*) FROM moments").fetchone()[0]
        vectors = self._db.execute(
            "SELECT COALESCE(SUM(length(x.ids)), 0) / 8 FROM vectors x JOIN videos v ON v.id = x.video_id"
            " WHERE v.embed_model = ?",
            (model or "",),
        ).fetchone()[0]
        return int(videos), int(moments), int(vectors)

    def text_models(self, filters: SearchFilters) -> list[str]:
        """The models that summarized the videos within the filters, the most used first."""
        where, params = filter_clause(filters, with_moments=False)
        rows = self._db.execute(
            f"SELECT v.text_model FROM videos v WHERE v.text_model != '' AND {where}"
            " GROUP BY v.text_model ORDER BY COUNT(*) DESC",
            params,
        )
        return [model for (model,) in rows]

    def reports_of_video(self, video: Path, name: str) -> list[str]:
        """The reports of this video file: by its path when a report recorded one that leads to it
        (paths are recorded as given, maybe relative to another folder), else by its file name."""
        rows = self._db.execute("SELECT report, path, name FROM videos ORDER BY report").fetchall()
        by_path = [report for report, path, _ in rows if path and Path(path).resolve() == video]
        return by_path or [report for report, _, recorded in rows if recorded == name]

    def embed_models(self) -> list[str]:
        """The models the indexed vectors come from, the most used first."""
        rows = self._db.execute(
            "SELECT embed_model FROM videos WHERE embed_model != ''"
            " GROUP BY embed_model ORDER BY COUNT(*) DESC"
        )
        return [model for (model,) in rows]

    # --- changing it --------------------------------------------------------------------------------

    def replace(
        self,
        report: str,
        content_key: str,
        report_mtime: int,
        entry: VideoEntry,
        vectors: Sequence[bytes | None],
        embed_model: str,
    ) -> bool:
        """Put a video's entries in place of its old ones; False (and nothing changes) when a newer
        report.json of the same video was indexed meanwhile by another process."""
        with self.writing() as db:
            row = db.execute("SELECT id, report_mtime FROM videos WHERE report = ?", (report,)).fetchone()
            if row is not None and row[1] > report_mtime:
                return False
            if row is not None:
                self._delete_video(db, row[0])
            cursor = db.execute(
                "INSERT INTO videos (report, content_key, report_mtime, name, path, profile, duration, title,"
                " text_model, embed_model, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report,
                    content_key,
                    report_mtime,
                    entry.name,
                    entry.path,
                    entry.profile,
                    entry.duration,
                    entry.title,
                    entry.text_model,
                    embed_model,
                    time.time(),
                ),
            )
            video_id = cursor.lastrowid
            ids: list[int] = []
            rows: list[bytes] = []
            for moment, vector in zip(entry.moments, vectors, strict=True):
                moment_id = self._insert_moment(db, video_id, entry, moment)
                if vector is not None:
                    ids.append(moment_id)
                    rows.append(vector)
            if ids:
                codes, scales = quantize(rows)
                db.execute(
                    "INSERT INTO vectors (video_id, ids, codes, scales) VALUES (?, ?, ?, ?)",
                    (video_id, np.asarray(ids, dtype="<i8").tobytes(), codes, scales),
                )
        return True

    def _insert_moment(self, db: sqlite3.Connection, video_id: Any, entry: VideoEntry, moment: Moment) -> int:
        verdicts = f" {' '.join(moment.verdicts)} " if moment.verdicts else ""
        cursor = db.execute(
            "INSERT INTO moments (video_id, keyframe, time, seg_start, seg_end, image, description, level,"
            " verdicts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                video_id,
                moment.keyframe,
                moment.time,
                moment.segment[0],
                moment.segment[1],
                moment.image,
                moment.description,
                moment.level,
                verdicts,
            ),
        )
        moment_id = int(cursor.lastrowid or 0)
        db.execute(
            "INSERT INTO moment_words (rowid, caption, screen, speech, story, video)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                moment_id,
                moment.caption,
                moment.screen,
                moment.speech,
                moment.story,
                f"{entry.name}\n{entry.title}".strip(),
            ),
        )
        return moment_id

    def remove(self, report: str) -> None:
        with self.writing() as db:
            row = db.execute("SELECT id FROM videos WHERE report = ?", (report,)).fetchone()
            if row is not None:
                self._delete_video(db, row[0])

    @staticmethod
    def _delete_video(db: sqlite3.Connection, video_id: int) -> None:
        db.execute(
            "DELETE FROM moment_words WHERE rowid IN (SELECT id FROM moments WHERE video_id = ?)", (video_id,)
        )
        db.execute("DELETE FROM vectors WHERE video_id = ?", (video_id,))
        db.execute("DELETE FROM moments WHERE video_id = ?", (video_id,))
        db.execute("DELETE FROM videos WHERE id = ?", (video_id,))

    # --- reading it for a search --------------------------------------------------------------------

    def keyword_ranking(self, match: str, filters: SearchFilters, limit: int) -> list[int]:
        """The ids of the moments that match, best first by BM25."""
        where, params = filter_clause(filters)
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        rows = self._db.execute(
            "SELECT m.id FROM moment_words JOIN moments m ON m.id = moment_words.rowid"
            " JOIN videos v ON v.id = m.video_id"
            f" WHERE moment_words MATCH ? AND {where} ORDER BY bm25(moment_words, {weights}) LIMIT ?",
            [match, *params, limit],
        )
        return [int(i) for (i,) in rows]

    def snippets(self, match: str, ids: Sequence[int]) -> dict[int, str]:
        """Each moment's best-matching words in context, the matches between \\x02 and \\x03 (made
        only for the moments shown: it is the costly part of a keyword search)."""
        marks = ", ".join("?" * len(ids))
        rows = self._db.execute(
            "SELECT rowid, snippet(moment_words, -1, char(2), char(3), '…', 16) FROM moment_words"
            f" WHERE moment_words MATCH ? AND rowid IN ({marks})",
            [match, *ids],
        )
        return {int(i): str(s or "") for i, s in rows}

    def vectors(self, model: str, filters: SearchFilters) -> VectorSet:
        """The vectors `model` made for the moments within the filters."""
        where, params = filter_clause(filters, with_moments=False)
        rows = self._db.execute(
            "SELECT x.ids, x.codes, x.scales FROM vectors x JOIN videos v ON v.id = x.video_id"
            f" WHERE v.embed_model = ? AND {where}",
            [model, *params],
        ).fetchall()
        vectors = from_rows(rows)
        if len(vectors) and _moment_conditions(filters):
            vectors = vectors.where(np.isin(vectors.ids, self.moment_ids(filters)))
        return vectors

    def moment_ids(self, filters: SearchFilters) -> np.ndarray:
        where, params = filter_clause(filters)
        rows = self._db.execute(
            f"SELECT m.id FROM moments m JOIN videos v ON v.id = m.video_id WHERE {where}", params
        ).fetchall()
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def count(self, filters: SearchFilters) -> tuple[int, int]:
        """The moments the filters allow, and how many of them have no description (their keyframe was
        not captioned: the video was analysed without a model server, or the model failed on it)."""
        where, params = filter_clause(filters)
        row = self._db.execute(
            f"SELECT COUNT(*), COALESCE(SUM(m.description = ''), 0) FROM moments m "
            f"JOIN videos v ON v.id = m.video_id WHERE {where}",
            params,
        ).fetchone()
        return int(row[0]), int(row[1])

    def moment_rows(self, ids: Sequence[int]) -> dict[int, MomentRow]:
        rows: dict[int, MomentRow] = {}
        for start in range(0, len(ids), 500):  # SQLite limits the variables of one statement
            chunk = list(ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            for row in self._db.execute(
                "SELECT m.id, v.report, v.name, v.profile, m.keyframe, m.time, m.seg_start, m.seg_end,"
                " m.image, m.description, m.level, m.verdicts"
                " FROM moments m JOIN videos v ON v.id = m.video_id"
                f" WHERE m.id IN ({marks})",
                chunk,
            ):
                rows[int(row[0])] = MomentRow(
                    id=int(row[0]),
                    report=row[1],
                    name=row[2],
                    profile=row[3],
                    keyframe=int(row[4]),
                    time=float(row[5]),
                    segment=(float(row[6]), float(row[7])),
                    image=row[8],
                    description=row[9],
                    level=row[10],
                    verdicts=tuple(row[11].split()),
                )
        return rows

    def moment_texts(self, ids: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
        """(caption, screen, speech, story) of each moment: what `ask` puts before the model."""
        texts: dict[int, tuple[str, str, str, str]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            for row in self._db.execute(
                f"SELECT rowid, caption, screen, speech, story FROM moment_words WHERE rowid IN ({marks})",
                chunk,
            ):
                texts[int(row[0])] = (row[1], row[2], row[3], row[4])
        return texts


def _moment_conditions(filters: SearchFilters) -> bool:
    return any(f is not None for f in (filters.start, filters.end, filters.min_level)) or bool(
        filters.verdict
    )


def filter_clause(filters: SearchFilters, with_moments: bool = True) -> tuple[str, list[Any]]:
    """SQL over moments `m` and videos `v` that keeps what the filters allow, and its parameters (only
    the conditions on videos without `with_moments`)."""
    clauses: list[str] = ["1"]
    params: list[Any] = []
    if filters.videos:
        parts = []
        for name in filters.videos:
            pattern = "%" + name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            parts.append("(lower(v.name) LIKE ? ESCAPE '\\' OR lower(v.report) LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        clauses.append("(" + " OR ".join(parts) + ")")
    if filters.reports:
        clauses.append(f"v.report IN ({', '.join('?' * len(filters.reports))})")
        params += list(filters.reports)
    if filters.profile:
        clauses.append("lower(v.profile) = ?")
        params.append(filters.profile.lower())
    if not with_moments:
        return " AND ".join(clauses), params
    if filters.start is not None:
        clauses.append("m.seg_end >= ?")
        params.append(filters.start)
    if filters.end is not None:
        clauses.append("m.seg_start <= ?")
        params.append(filters.end)
    if filters.min_level is not None:
        clauses.append("m.level >= ?")
        params.append(filters.min_level)
    if filters.verdict:
        clauses.append("m.verdicts LIKE ?")
        params.append(f"% {filters.verdict.lower()} %")
    return " AND ".join(clauses), params
