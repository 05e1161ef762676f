"""Ranked moments for a query: words (BM25 over FTS5) always, meaning (embedding similarity) when the
index has vectors and the model is there, fused by reciprocal rank.

Reciprocal rank fusion (score = sum of 1 / (60 + rank) over the two rankings) needs no tuning between
BM25 scores and cosine similarities, which live on unrelated scales. A moment found by meaning alone must
stand out from the rest of what was searched (a similarity at least one standard deviation above the
mean), so a query about something the footage does not show gives few hits, not the whole library.
Vectors are compared by brute force with numpy: 10,000 moments take a few milliseconds.
"""

from __future__ import annotations

import re
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embed import Embedder
from .query import fts_match
from .store import LibraryStore, MomentRow, SearchFilters

RRF_K = 60
CANDIDATES = 200  # from each ranking, before fusion
MAX_LIMIT = 1000
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Hit:
    """One moment a search found."""

    moment_id: int  # its row in the library index (a new one each time its video is indexed again)
    video: str  # the video's file name
    report: Path  # its report.json
    keyframe: int  # the keyframe's index in that report
    time: float  # seconds from the start of the video stream
    segment: tuple[float, float]
    image: Path  # the keyframe's full frame
    description: str
    context: tuple[tuple[str, bool], ...]  # the matching words in context: (text, is a match) pieces
    matched_by: str  # "words", "meaning" or "words and meaning"
    score: float  # the fused score: higher is better
    similarity: float | None  # cosine similarity to the query, when compared by meaning
    profile: str
    level: int | None
    verdicts: tuple[str, ...]

    @property
    def report_html(self) -> Path:
        return self.report.parent / "report.html"

    @property
    def moment_link(self) -> str:
        """report.html opened at this keyframe."""
        return f"{self.report_html}#kf-{self.keyframe}"

    def context_text(self, before: str = "[", after: str = "]") -> str:
        return "".join(f"{before}{text}{after}" if matched else text for text, matched in self.context)


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str  # "hybrid" (words and meaning) or "keyword" (words only)
    hits: tuple[Hit, ...]
    searched: int  # moments the filters allowed
    notes: tuple[str, ...]  # what the user should know: why keyword only, what was skipped
    undescribed: int = 0  # of the moments searched, those with no description (never captioned)


def search(
    store: LibraryStore,
    embedder: Embedder,
    query: str,
    filters: SearchFilters | None = None,
    limit: int = 10,
) -> SearchResult:
    """The best `limit` moments for the query within the filters. Any text is a query: never raises
    for what a user types."""
    limit = min(max(1, limit), MAX_LIMIT)
    filters = filters or SearchFilters()
    notes: list[str] = []
    match = fts_match(query)
    with store.reading():
        searched, undescribed = store.count(filters)
        if undescribed:
            notes.append(
                f"{undescribed} of {searched} moments have no description (their keyframes were not "
                "captioned: no model server when they were analysed, or the model failed on them), so "
                "only their video's name, speech and text on screen can match; analyse those videos "
                "again with the server running"
            )
        keyword = _keyword(store, match, filters)
        similarity = _by_meaning(store, embedder, query, filters, searched, notes) if query.strip() else None
        meaning = similarity or {}
        fused = _fuse(keyword, sorted(meaning, key=lambda i: -meaning[i]))
        # Taken with room to spare: hits whose report is gone are left out below.
        shown = [i for i, _ in fused[: limit * 2 + 20]]
        rows = store.moment_rows(shown)
        by_words = set(keyword)
        snippets = store.snippets(match, [i for i in shown if i in by_words]) if match and by_words else {}
    hits: list[Hit] = []
    gone: set[str] = set()
    for moment_id, score in fused:
        row = rows.get(moment_id)
        if row is None:
            continue
        report = store.root / row.report
        if not report.is_file():
            gone.add(row.report)
        elif len(hits) < limit:
            hits.append(_hit(row, report, snippets.get(moment_id), meaning.get(moment_id), score))
    if gone:
        notes.append(
            f"left out moments of {len(gone)} video(s) whose report.json is gone "
            f"({', '.join(sorted(gone)[:3])}{', ...' if len(gone) > 3 else ''}); `vidscan index` drops them"
        )
    mode = "hybrid" if similarity is not None else "keyword"
    return SearchResult(query, mode, tuple(hits), searched, tuple(notes), undescribed)


def _keyword(store: LibraryStore, match: str | None, filters: SearchFilters) -> list[int]:
    if match is None:
        return []
    try:
        return store.keyword_ranking(match, filters, CANDIDATES)
    except sqlite3.OperationalError:  # a query FTS5 still refuses: no word matches, rather than an error
        return []


def _by_meaning(
    store: LibraryStore,
    embedder: Embedder,
    query: str,
    filters: SearchFilters,
    searched: int,
    notes: list[str],
) -> dict[int, float] | None:
    """The similarity of the moments that stand out by meaning, by id; None (and a note saying why)
    when meaning cannot be compared. `searched`: the moments the filters allow."""
    if embedder.model is None:  # turned off by the user: the mode says it, no note needed
        return None
    vectors = store.vectors(embedder.model, filters)
    if not len(vectors):
        if searched:
            notes.append(
                f"keyword search only: the index holds no embeddings from {embedder.model!r}"
                f" (run `vidscan index {shlex.quote(str(store.root))} --embed-model {embedder.model}`"
                " to make them)"
            )
        return None
    wanted = embedder.query_vector(query)
    if wanted is None:
        notes.append(f"keyword search only: {embedder.problem}")
        return None
    if vectors.dimensions != len(wanted):
        notes.append(f"keyword search only: {embedder.model!r} now makes vectors of another size")
        return None
    scores = vectors.similarity(wanted)
    floor = max(float(scores.mean() + scores.std()), 0.0) if len(scores) >= 3 else 0.0
    best = np.argsort(-scores)[:CANDIDATES]
    return {int(vectors.ids[k]): float(scores[k]) for k in best if scores[k] >= floor and scores[k] > 0}


def _fuse(by_words: list[int], by_meaning: list[int]) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of two rankings of moment ids: (id, score), best first."""
    scores: dict[int, float] = {}
    for ranking in (by_words, by_meaning):
        for rank, moment_id in enumerate(ranking, start=1):
            scores[moment_id] = scores.get(moment_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _hit(row: MomentRow, report: Path, snippet: str | None, similarity: float | None, score: float) -> Hit:
    found = (("words", snippet is not None), ("meaning", similarity is not None))
    return Hit(
        moment_id=row.id,
        video=row.name,
        report=report,
        keyframe=row.keyframe,
        time=row.time,
        segment=row.segment,
        image=report.parent / row.image,
        description=row.description,
        context=_pieces(snippet) if snippet is not None else ((_clip(row.description), False),),
        matched_by=" and ".join(name for name, yes in found if yes),
        score=round(score, 6),
        similarity=round(similarity, 4) if similarity is not None else None,
        profile=row.profile,
        level=row.level,
        verdicts=row.verdicts,
    )


def _pieces(snippet: str) -> tuple[tuple[str, bool], ...]:
    """FTS5's snippet (matches between \\x02 and \\x03) as (text, is a match) pieces on one line."""
    pieces: list[tuple[str, bool]] = []
    for part in re.split(r"(\x02[^\x03]*\x03)", snippet):
        if not part:
            continue
        matched = part.startswith("\x02")
        text = _SPACES.sub(" ", part.strip("\x02\x03"))
        if text:
            pieces.append((text, matched))
    return tuple(pieces)


def _clip(text: str, chars: int = 160) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"
