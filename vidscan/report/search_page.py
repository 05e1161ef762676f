"""The search results page (`vidscan search --html FILE`): one self-contained file in the report's
style, each moment's thumbnail inlined and linked to that moment in its video's report.html.

Like report.html it loads nothing from elsewhere and runs no script; every text from a report or the
query reaches it through jinja2's autoescaping.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..library.search import Hit, SearchResult
from . import write_atomic
from .html import LEVEL_NAMES, _render, format_clock, thumbnail_data_uri


def write_search_page(result: SearchResult, page: Path) -> None:
    write_atomic(page, render_search_html(result, page.parent).encode())


def render_search_html(result: SearchResult, page_dir: Path) -> str:
    context = {
        "query": result.query,
        "searched": result.searched,
        "how": "words and meaning" if result.mode == "hybrid" else "words only",
        "notes": list(result.notes),
        "hits": [_hit_view(hit, page_dir) for hit in result.hits],
        "level_names": LEVEL_NAMES,
    }
    return _render("search.html.j2", context)


def _hit_view(hit: Hit, page_dir: Path) -> dict[str, Any]:
    context_text = "".join(text for text, _ in hit.context)
    return {
        "video": hit.video,
        "keyframe": hit.keyframe,
        "clock": format_clock(hit.time, precise=True),
        "matched_by": hit.matched_by,
        "context": hit.context,
        "description": hit.description,
        "show_description": bool(hit.description) and hit.description not in context_text,
        "level": hit.level,
        "verdicts": list(hit.verdicts),
        "image": str(hit.image),
        "thumbnail": thumbnail_data_uri(hit.image) if _inside(hit.image, hit.report.parent) else None,
        "link": relative_link(hit.report_html, page_dir) + f"#kf-{hit.keyframe}",
    }


def relative_link(target: Path, page_dir: Path) -> str:
    """A link from a page in page_dir to target, percent-encoded (a ':' in a folder name cannot make
    it a URL with a scheme)."""
    relative = os.path.relpath(target.resolve(), page_dir.resolve())
    return quote(Path(relative).as_posix(), safe="/")


def _inside(path: Path, folder: Path) -> bool:
    """Only frames inside their report's folder are read: a report cannot point the page elsewhere."""
    return path.resolve().is_relative_to(folder.resolve())
