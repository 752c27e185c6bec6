"""The paragraphs an incremental rebuild deleted: the one place they are
left out.

Whoosh keeps a deleted paragraph's docnum until segments merge (and
nothing is merged here), so a build's files still hold them. Every reader
of postings, docsets, lengths and paragraph counts goes through
``Deletions``, so nothing above storage (docsets, ranking, facets,
suggestions) ever sees a deleted paragraph.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from pyroaring import FrozenBitMap


class Deletions:
    """The deleted docnums of a build of ``docnums`` paragraph numbers."""

    def __init__(self, deleted: FrozenBitMap, docnums: int):
        self.docnums = docnums
        self._deleted = deleted
        self._array = np.frombuffer(deleted.to_array(), dtype=np.uint32)
        self._every: FrozenBitMap | None = None  # made on first use

    def __len__(self) -> int:
        return len(self._deleted)

    def __iter__(self) -> Iterator[int]:
        return iter(self._deleted)

    @property
    def live_count(self) -> int:
        """How many paragraphs a search can find."""
        return self.docnums - len(self._deleted)

    def live_postings(self, ids: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``ids`` and their ``counts`` without the deleted docnums."""
        if not len(self._deleted) or not len(ids):
            return ids, counts
        keep = ~self.deleted(ids)
        return ids[keep], counts[keep]

    def deleted(self, ids: np.ndarray) -> np.ndarray:
        """Which of the docnums ``ids`` are deleted, as a mask."""
        if not len(self._deleted) or not len(ids):
            return np.zeros(len(ids), dtype=bool)
        # a binary search of the few deleted per posting: np.isin sorts both
        at = np.minimum(np.searchsorted(self._array, ids), len(self._array) - 1)
        return np.asarray(self._array[at] == ids)

    def live(self, found: FrozenBitMap) -> FrozenBitMap:
        """A docset without the deleted docnums."""
        return found - self._deleted if self._deleted else found

    def every_live(self) -> FrozenBitMap:
        """Every live paragraph: what a query of exclusions only starts from."""
        if self._every is None:
            self._every = self.live(FrozenBitMap(range(self.docnums)))
        return self._every

    def zeroed(self, values: np.ndarray) -> np.ndarray:
        """Per-docnum ``values`` (lengths) with 0 for the deleted ones."""
        if len(self._deleted):
            values[self._array] = 0
        return values


NONE = Deletions(FrozenBitMap(), 0)
