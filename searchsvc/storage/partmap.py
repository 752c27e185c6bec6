"""Which part of a build holds a paragraph number: a build's parts hold
consecutive paragraph numbers, the first part's from 0, so number ``n``
is in the last part whose first number is at most ``n``."""

from __future__ import annotations

from bisect import bisect_right

import numpy as np


class PartMap:
    def __init__(self, counts: list[int]):
        self.counts = list(counts)
        self.bases = [int(b) for b in np.cumsum([0, *self.counts[:-1]])] if counts else []
        self.total = sum(self.counts)

    def __len__(self) -> int:
        return len(self.counts)

    def locate(self, n: int) -> tuple[int, int]:
        """(the part, ``n``'s place in it)."""
        if not 0 <= n < self.total:
            raise IndexError(n)
        i = bisect_right(self.bases, n) - 1
        return i, n - self.bases[i]

    def split(self, numbers: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Sorted paragraph numbers as (part, their places in it), parts
        with none left out."""
        cuts = np.searchsorted(numbers, [*self.bases[1:], self.total]).tolist()
        out = []
        for i, (lo, hi) in enumerate(zip([0, *cuts[:-1]], cuts)):
            if hi > lo:
                out.append((i, numbers[lo:hi] - self.bases[i]))
        return out
