"""The library: every report under one output folder, searchable at once, and askable.

    from vidscan.library import Library, SearchFilters

    with Library("vidscan-out") as library:
        library.refresh()                                   # index what changed since last time
        result = library.search("a person carrying a bag", SearchFilters(min_level=1), limit=5)
        for hit in result.hits:
            print(hit.video, hit.time, hit.context_text(), hit.image)
        answer = library.ask("where is the Calvin cycle explained?", SearchFilters(videos=("bio-3",)))
        print(answer.status, answer.text, [(h.video, h.time) for h in answer.cited])

The index is ``library.sqlite3`` in the folder (SQLite with FTS5 for words, and int8-quantized vectors
from an embedding model for meaning); it holds paths to frames, never frames. Every ``vidscan analyze``
adds or replaces its video's entries when its report is published; ``refresh()`` (``vidscan index``)
catches up with reports made or deleted otherwise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from ..backends import ServerDown
from ..cache import ReplyCache, open_reply_cache
from ..defaults import DEFAULT_VLM
from ..errors import InputError, ModelServerUnreachable, OutputError, UsageError, VidscanError
from ..progress import QUIET, Progress
from .ask import NOTHING_DESCRIBED, NOTHING_FOUND, Answer, ask_model
from .embed import Embedder
from .index import REPORT_FILE, IndexSummary, find_reports, refresh
from .options import LibraryOptions
from .search import Hit, SearchResult, search
from .server import connect_model
from .store import LIBRARY_FILE, LibraryStore, SearchFilters

VERDICTS = ("pass", "fail", "uncertain")


class Library:
    """The reports under `root` and their index. Use it as a context manager (or call close())."""

    def __init__(
        self,
        root: Path | str = "vidscan-out",
        options: LibraryOptions | None = None,
        progress: Progress = QUIET,
        cache: ReplyCache | None = None,
    ) -> None:
        self.root = Path(root)
        self.options = options or LibraryOptions()
        self.progress = progress
        self._cache = cache
        self._owns_cache = cache is None
        self._store: LibraryStore | None = None
        self._embedders: dict[str | None, Embedder] = {}

    @property
    def path(self) -> Path:
        """The index file."""
        return self.root / LIBRARY_FILE

    @property
    def store(self) -> LibraryStore:
        if self._store is None:
            if not self.root.is_dir():
                raise InputError(
                    f"{self.root} is not a folder of reports: analyze videos with --out {self.root}"
                )
            with self._index_errors():
                self._store = LibraryStore(self.root)
            if self._store.recovered:
                self.progress.message(f"{self._store.recovered}; rebuilding it from the reports")
        return self._store

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._owns_cache and self._cache is not None:
            self._cache.close()
            self._cache = None

    # --- indexing -----------------------------------------------------------------------------------

    def refresh(self) -> IndexSummary:
        """Index every report.json under the folder that changed, drop those that are gone."""
        with self._index_errors():
            return refresh(self.store, self._embedder(self.options.embed_model), self.progress)

    def add(self, report: Path | str) -> IndexSummary:
        """Index one report (its report.json or its folder), as analyze does when it publishes one."""
        with self._index_errors():
            embedder = self._embedder(self.options.embed_model)
            return refresh(self.store, embedder, self.progress, [self._relative(report)])

    # --- finding moments ----------------------------------------------------------------------------

    def search(self, query: str, filters: SearchFilters | None = None, limit: int = 10) -> SearchResult:
        """The best moments for `query` (any text: words are never read as syntax)."""
        filters = self._checked(filters or SearchFilters())
        with self._index_errors():
            self._build_if_new()
            model, note = self._search_model()
            result = search(self.store, self._embedder(model), query, filters, limit)
            empty = self.store.counts()[0] == 0
        notes = [note] if note else []
        if empty:
            notes.append(
                f"the library in {self.root} holds no report yet: analyze videos with --out {self.root}"
            )
        return replace(result, notes=(*notes, *result.notes)) if notes else result

    def ask(self, question: str, filters: SearchFilters | None = None, moments: int = 8) -> Answer:
        """An answer from the moments that matter, citing them; or why there is none (never a guess)."""
        retrieved = self.search(question, filters, limit=moments)
        if not retrieved.hits:
            # Moments never captioned say nothing of what they show: the answer may be among them.
            if retrieved.undescribed:
                return Answer(question, "undescribed", NOTHING_DESCRIBED, (), retrieved, retrieved.notes)
            return Answer(question, "not in footage", NOTHING_FOUND, (), retrieved, retrieved.notes)
        model = self.options.llm or next(
            iter(self.store.text_models(filters or SearchFilters())), DEFAULT_VLM
        )
        try:
            caller, _ = connect_model(self.options, model, self._reply_cache(), self.progress)
            return ask_model(caller, model, self.store, question, retrieved)
        except VidscanError as exc:
            if not isinstance(exc, (ModelServerUnreachable, ServerDown)):
                raise  # a model that is not pulled, or refuses: an error to fix, as in analyze
            why = f"could not ask {model!r}: {exc}"
            text = "No answer: the text model could not be asked. The moments that match are listed below."
            return Answer(question, "no model", text, (), retrieved, (*retrieved.notes, why))

    def report_for(self, target: Path | str) -> str:
        """The report.json (relative to the folder) that `target` names: a report.json, its folder, or a
        video analyzed into this library; InputError when there is none, or several."""
        path = Path(target)
        if path.is_dir() and (path / REPORT_FILE).is_file():
            path = path / REPORT_FILE
        if path.name == REPORT_FILE and path.is_file():
            return self._relative(path)
        with self._index_errors():
            self._build_if_new()
            reports = self.store.reports_of_video(path.resolve(), path.name) if path.is_file() else []
        if len(reports) > 1:
            raise InputError(
                f"{target}: several reports in {self.root} are of a video of that name "
                f"({', '.join(reports)}): name the report folder instead"
            )
        if not reports:
            raise InputError(
                f"{target}: no report for it in {self.root}; "
                f"run `vidscan analyze {target} --out {self.root}` first"
            )
        return reports[0]

    # --- helpers ------------------------------------------------------------------------------------

    @contextmanager
    def _index_errors(self) -> Iterator[None]:
        """SQLite's own errors (a read-only folder, a full disk) as one line that says what to do."""
        try:
            yield
        except sqlite3.Error as exc:
            raise OutputError(
                f"cannot use the library index {self.path}: {exc}; check that {self.root} is writable "
                "(deleting the index file is safe: it is rebuilt from the reports)"
            ) from None

    def _relative(self, report: Path | str) -> str:
        path = Path(report)
        if path.is_dir():
            path = path / REPORT_FILE
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            raise InputError(f"{report} is not inside the library folder {self.root}") from None

    def _build_if_new(self) -> None:
        """A folder of reports without an index (made by an older vidscan, or the index deleted):
        build it once, saying so."""
        if self.store.counts()[0] == 0 and find_reports(self.root):
            self.progress.message(f"indexing the reports in {self.root} (first use)")
            self.refresh()

    def _search_model(self) -> tuple[str | None, str | None]:
        """The embedding model to compare meaning with: the one asked for when the index has its
        vectors, else the one the index's vectors come from (with a note saying so)."""
        wanted = self.options.embed_model
        made_with = self.store.embed_models()
        if wanted is None or wanted in made_with or not made_with:
            return wanted, None
        return made_with[0], f"compared by meaning with {made_with[0]!r}, the model of the index's embeddings"

    def _embedder(self, model: str | None) -> Embedder:
        if model not in self._embedders:
            self._embedders[model] = Embedder(self.options, self._reply_cache(), self.progress, model)
        return self._embedders[model]

    def _reply_cache(self) -> ReplyCache | None:
        if self._cache is None and self.options.use_cache:
            self._cache = open_reply_cache(self.options.cache_dir, self.options.cache_max_bytes)
        return self._cache

    @staticmethod
    def _checked(filters: SearchFilters) -> SearchFilters:
        if filters.verdict is not None and filters.verdict.lower() not in VERDICTS:
            raise UsageError(f"a verdict is one of {', '.join(VERDICTS)}, not {filters.verdict!r}")
        if filters.min_level is not None and not 0 <= filters.min_level <= 2:
            raise UsageError(f"a level is 0, 1 or 2, not {filters.min_level}")
        if filters.start is not None and filters.end is not None and filters.start > filters.end:
            raise UsageError("the time range starts after it ends")
        return filters


__all__ = [
    "Answer",
    "Hit",
    "IndexSummary",
    "Library",
    "LibraryOptions",
    "SearchFilters",
    "SearchResult",
]
