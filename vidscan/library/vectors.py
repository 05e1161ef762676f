"""Vectors as the index keeps them: int8 codes with one scale per vector, a quarter of float32's size,
so a search over 10,000 moments reads 8 MB instead of 30 (reading them is most of a hybrid search's
time), and compares them with the query in one matrix product.

A unit vector quantized by its largest component keeps its cosine similarity to a query within about
0.01: far less than what separates a moment about the query from the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VectorSet:
    ids: np.ndarray  # int64 moment ids
    codes: np.ndarray  # int8, one row per id
    scales: np.ndarray  # float32: row i stands for codes[i] * scales[i]

    @classmethod
    def empty(cls) -> VectorSet:
        return cls(np.zeros(0, np.int64), np.zeros((0, 0), np.int8), np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dimensions(self) -> int:
        return int(self.codes.shape[1]) if self.codes.ndim == 2 else 0

    def where(self, keep: np.ndarray) -> VectorSet:
        return VectorSet(self.ids[keep], self.codes[keep], self.scales[keep])

    def similarity(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of each vector to a unit query vector."""
        return (self.codes.astype(np.float32) @ query) * self.scales


def quantize(vectors: Sequence[bytes]) -> tuple[bytes, bytes]:
    """float32 vectors (bytes each) as (int8 codes, float32 scales), for one video's row."""
    matrix = np.frombuffer(b"".join(vectors), dtype=np.float32).reshape(len(vectors), -1)
    largest = np.abs(matrix).max(axis=1)
    scales = np.where(largest > 0, largest / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(matrix / scales[:, None]), -127, 127).astype(np.int8)
    return codes.tobytes(), scales.tobytes()


def from_rows(rows: Sequence[tuple[bytes, bytes, bytes]]) -> VectorSet:
    """The (ids, codes, scales) rows of several videos as one set; rows of another length than most
    (a model that changed its dimensions) are left out rather than mixed in."""

    def dimensions(row: tuple[bytes, bytes, bytes]) -> int:
        count = len(row[0]) // 8
        return len(row[1]) // count if count else 0

    if not rows:
        return VectorSet.empty()
    common = Counter(dimensions(row) for row in rows).most_common(1)[0][0]
    same = [row for row in rows if dimensions(row) == common and common > 0]
    if not same:
        return VectorSet.empty()
    ids = np.frombuffer(b"".join(r[0] for r in same), dtype="<i8")
    codes = np.frombuffer(b"".join(r[1] for r in same), dtype=np.int8).reshape(len(ids), common)
    scales = np.frombuffer(b"".join(r[2] for r in same), dtype=np.float32)
    return VectorSet(ids, codes, scales)
