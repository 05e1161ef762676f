"""Keeping the index in step with the report.json files under the library's folder.

A report is read again only when its bytes changed (or its moments still lack the embeddings asked
for); a report deleted by hand is dropped; a file that is not a report is skipped and named. Each
video is one transaction in the store, so an interrupted refresh leaves a usable index and the next one
carries on where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..progress import Progress
from .embed import Embedder
from .moments import NotAReport, read_report
from .store import IndexedVideo, LibraryStore

REPORT_FILE = "report.json"


@dataclass(frozen=True)
class IndexSummary:
    """What a refresh did (report paths are relative to the library folder), and the index after it."""

    added: tuple[str, ...]  # indexed for the first time
    updated: tuple[str, ...]  # indexed again: the report changed, or its embeddings were missing
    unchanged: int
    removed: tuple[str, ...]  # dropped: the report.json is gone
    skipped: tuple[tuple[str, str], ...]  # (report, why) not indexed
    videos: int  # in the index now
    moments: int
    embedded: int  # moments with a vector from embed_model
    embed_model: str | None
    keyword_only: str | None  # why some moments have no vector (None when all have one, or none asked)


def find_reports(root: Path) -> list[str]:
    """Every report.json below root (relative, sorted), leaving out hidden folders (a run's staging
    folder holds a report.json that is not published yet) and frames folders."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d != "frames"]
        if REPORT_FILE in files:
            found.append((Path(folder) / REPORT_FILE).relative_to(root).as_posix())
    return sorted(found)


def refresh(
    store: LibraryStore, embedder: Embedder, progress: Progress, reports: Sequence[str] | None = None
) -> IndexSummary:
    """Bring the index up to date with every report under the library's folder, or with `reports` only
    (paths relative to it) when given."""
    every = reports is None
    wanted = find_reports(store.root) if reports is None else list(dict.fromkeys(reports))
    indexed = store.indexed()
    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    skipped: list[tuple[str, str]] = []
    unchanged = 0
    stage = progress.stage("reports indexed", len(wanted)) if len(wanted) > 1 else None
    for done, report in enumerate(wanted, start=1):
        outcome = _index_one(store, embedder, report, indexed.get(report))
        if outcome == "unchanged":
            unchanged += 1
        elif outcome in ("added", "updated"):
            (added if outcome == "added" else updated).append(report)
        elif outcome == "gone":
            removed.append(report)
        else:
            skipped.append((report, outcome))
        if stage:
            stage.update(done)
    if stage:
        stage.close()
    if every:
        for report in sorted(set(indexed) - set(wanted)):
            store.remove(report)
            removed.append(report)
    videos, moments, embedded = store.counts(embedder.model)
    keyword_only = embedder.problem if embedder.model and embedded < moments else None
    return IndexSummary(
        added=tuple(added),
        updated=tuple(updated),
        unchanged=unchanged,
        removed=tuple(removed),
        skipped=tuple(skipped),
        videos=videos,
        moments=moments,
        embedded=embedded,
        embed_model=embedder.model,
        keyword_only=keyword_only,
    )


def _index_one(store: LibraryStore, embedder: Embedder, report: str, old: IndexedVideo | None) -> str:
    """Index one report: "added", "updated", "unchanged", "gone", or why it was skipped."""
    known = old is not None
    path = store.root / report
    try:
        mtime = path.stat().st_mtime_ns
        data = path.read_bytes()
    except FileNotFoundError:
        if known:
            store.remove(report)
            return "gone"
        return "the file is gone"
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    key = hashlib.sha256(data).hexdigest()[:32]
    if old is not None and old.content_key == key and not _wants_vectors(embedder, old.embed_model):
        return "unchanged"
    try:
        entry = read_report(json.loads(data))
    except (ValueError, NotAReport) as exc:
        why = str(exc) if isinstance(exc, NotAReport) else f"not valid JSON ({exc})"
        if known:
            store.remove(report)
            why += "; its old entries were dropped"
        return why
    vectors = embedder.vectors([m.embedding_text() for m in entry.moments]) if embedder.model else None
    model = embedder.model if vectors is not None and embedder.model else ""
    store.replace(report, key, mtime, entry, vectors or [None] * len(entry.moments), model)
    return "updated" if known else "added"


def _wants_vectors(embedder: Embedder, indexed_model: str) -> bool:
    """An unchanged report is read again to add embeddings only when the model can make them now."""
    return bool(embedder.model) and indexed_model != embedder.model and embedder.ready()
