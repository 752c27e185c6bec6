"""What a posting source answers, and the one place deletions are applied.

Two sources index a build's paragraphs: the character index
(``grams.GramStore``: characters and pairs of characters, for literal
matching) and the word index (``wordindex.WordIndex``: jieba words, for
ranking and suggestions). Both number paragraphs by docnum and both leave
out the paragraphs an incremental rebuild deleted, through ``live``, so
nothing above them (docsets, ranking, suggestions) sees a deleted one.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from pyroaring import FrozenBitMap


class PostingSource(Protocol):
    deleted: FrozenBitMap  # docnums in the files that no answer may contain

    def postings(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums in order, counts) of the live paragraphs that have ``key``."""

    def doc_frequency(self, key: str) -> int:
        """How many live paragraphs have ``key``."""


def live(ids: np.ndarray, counts: np.ndarray, deleted: FrozenBitMap):
    """``ids`` and their ``counts`` without the deleted docnums."""
    if not deleted or not len(ids):
        return ids, counts
    keep = ~np.isin(ids, np.frombuffer(deleted.to_array(), dtype=np.uint32))
    return ids[keep], counts[keep]
