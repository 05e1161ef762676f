"""Even sampling, and the floor under every strategy: no gap longer than `min_coverage` seconds."""

from __future__ import annotations

import math

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


def with_coverage(candidates: list[Candidate], end: float, min_coverage: float) -> list[Candidate]:
    """`candidates` (in time order) plus coverage candidates wherever the gap to the next is too long."""
    if min_coverage <= 0:
        return candidates
    out: list[Candidate] = []
    for i, cand in enumerate(candidates):
        stop = candidates[i + 1].start if i + 1 < len(candidates) else end
        out.append(cand)
        if stop - cand.start > min_coverage:
            out += even_candidates(cand.start, stop, min_coverage)[1:]
    return out
