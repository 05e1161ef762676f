"""Even sampling, and the floor under every strategy: no gap longer than `min_coverage` seconds."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .frames import Candidate


def even_candidates(start: float, end: float, every: float, reason: str = "coverage") -> list[Candidate]:
    """Candidates splitting [start, end) into equal pieces no longer than `every`; each picks from its
    piece's middle half."""
    if every <= 0 or end <= start:
        return []
    pieces = max(1, math.ceil((end - start) / every - 1e-9))
    step = (end - start) / pieces
    out = []
    for p in range(pieces):
        lo = start + p * step
        out.append(Candidate(reason, lo, (lo + step / 4, lo + 3 * step / 4), 0.5))
    return out


def with_coverage(
    candidates: list[Candidate], end: float, min_coverage: float, gaps: Sequence[tuple[float, float]] = ()
) -> list[Candidate]:
    """`candidates` (in time order) plus coverage candidates wherever the gap to the next is too long;
    `gaps` are not recorded: nothing covers them, and a recorded stretch after one is covered on its own."""
    if min_coverage <= 0:
        return candidates
    out: list[Candidate] = []
    for i, cand in enumerate(candidates):
        stop = candidates[i + 1].start if i + 1 < len(candidates) else end
        out.append(cand)
        for lo, hi in recorded(cand.start, stop, gaps):
            if hi - lo > min_coverage:
                # The first piece's start is the candidate itself; a piece after a gap starts anew.
                out += even_candidates(lo, hi, min_coverage)[1 if lo == cand.start else 0 :]
    return out


def recorded(start: float, end: float, gaps: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """[start, end) without the stretches in `gaps` (in time order)."""
    pieces, at = [], start
    for lo, hi in gaps:
        if hi <= at or lo >= end:
            continue
        if lo > at:
            pieces.append((at, lo))
        at = max(at, hi)
    if at < end:
        pieces.append((at, end))
    return pieces
