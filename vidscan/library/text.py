"""What the library commands print: lines for a terminal, and JSON for scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .ask import Answer
from .index import IndexSummary
from .search import Hit, SearchResult

CLOSEST_SHOWN = 3  # moments listed under an answer that is not one


def clock(seconds: float) -> str:
    from ..report.html import format_clock

    return format_clock(seconds, precise=True)


def index_lines(summary: IndexSummary, index_file: Path) -> list[str]:
    changed = len(summary.added) + len(summary.updated)
    lines = [
        f"indexed {changed} report{'s' if changed != 1 else ''} ({len(summary.added)} new, "
        f"{len(summary.updated)} changed), {summary.unchanged} unchanged"
    ]
    lines += [f"removed {report}: its report.json is gone" for report in summary.removed]
    lines += [f"skipped {report}: {why}" for report, why in summary.skipped]
    size = index_file.stat().st_size / 1e6 if index_file.exists() else 0.0
    lines.append(
        f"{index_file}: {summary.videos} video{'s' if summary.videos != 1 else ''}, "
        f"{summary.moments} moments, {size:.1f} MB; {_search_kind(summary)}"
    )
    return lines


def _search_kind(summary: IndexSummary) -> str:
    if not summary.embed_model:
        return "search matches words only (embeddings off)"
    if summary.moments and summary.embedded == summary.moments:
        return f"search matches words and meaning ({summary.embed_model})"
    if summary.embedded:
        return f"{summary.embedded} of {summary.moments} moments have embeddings ({summary.embed_model})"
    return "search matches words only"


def hit_lines(hit: Hit, number: int | None = None) -> list[str]:
    label = f"[{number}] " if number is not None else ""
    return [
        f"{label}{hit.video}  {clock(hit.time)}  #{hit.keyframe}  ({hit.matched_by})",
        f"    {hit.context_text()}",
        f"    {hit.image}",
    ]


def search_lines(result: SearchResult) -> list[str]:
    lines: list[str] = []
    for hit in result.hits:
        lines += hit_lines(hit)
    how = "words and meaning" if result.mode == "hybrid" else "words only"
    count = len(result.hits)
    if count:
        lines.append(f"{count} moment{'s' if count != 1 else ''} of {result.searched} searched, by {how}")
    else:
        lines.append(f"no moment matches {result.query!r} ({result.searched} searched, by {how})")
    return lines


def answer_lines(answer: Answer) -> list[str]:
    lines = [answer.text, ""]
    numbered = list(enumerate(answer.retrieved.hits, start=1))
    if answer.answered:
        lines.append("It rests on:")
        shown = [(n, hit) for n, hit in numbered if n in answer.citations]
    else:
        shown = numbered if answer.status in ("no model", "unsupported") else numbered[:CLOSEST_SHOWN]
        if shown:
            lines.append("The closest moments:")
    for number, hit in shown:
        lines += ["  " + line for line in hit_lines(hit, number)]
    return lines if shown else lines[:1]


def hit_json(hit: Hit, number: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"number": number} if number is not None else {}
    data.update(
        {
            "video": hit.video,
            "report": str(hit.report),
            "link": hit.moment_link,
            "keyframe": hit.keyframe,
            "time": hit.time,
            "segment": list(hit.segment),
            "image": str(hit.image),
            "description": hit.description,
            "context": hit.context_text("", ""),
            "matches": [text for text, matched in hit.context if matched],
            "matched_by": hit.matched_by,
            "score": hit.score,
            "similarity": hit.similarity,
            "profile": hit.profile,
            "level": hit.level,
            "verdicts": list(hit.verdicts),
        }
    )
    return data


def search_json(result: SearchResult) -> dict[str, Any]:
    return {
        "query": result.query,
        "mode": result.mode,
        "searched": result.searched,
        "notes": list(result.notes),
        "moments": [hit_json(hit) for hit in result.hits],
    }


def answer_json(answer: Answer) -> dict[str, Any]:
    numbered = list(enumerate(answer.retrieved.hits, start=1))
    return {
        "question": answer.question,
        "status": answer.status,
        "answered": answer.answered,
        "answer": answer.text,
        "cited": [hit_json(hit, n) for n, hit in numbered if n in answer.citations],
        "moments": [hit_json(hit, n) for n, hit in numbered],
        "mode": answer.retrieved.mode,
        "notes": list(answer.notes),
    }
