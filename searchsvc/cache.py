"""A thread-safe LRU cache bounded by the total size of its values.

cachetools' LRUCache does the bookkeeping (``getsizeof=len``); this adds
the lock and the get-or-compute that every cache here uses.
"""

from __future__ import annotations

import threading

from cachetools import LRUCache


class SizedLRU:
    """Keeps recently used values while the sum of ``len(value)`` stays under
    ``budget``: a few big postings or many small ones, never unbounded. A
    value larger than the whole budget is returned, not kept."""

    def __init__(self, budget: int):
        self._items = LRUCache(maxsize=budget, getsizeof=len)
        self._lock = threading.Lock()

    @property
    def budget(self) -> int:
        return int(self._items.maxsize)

    @property
    def held(self) -> int:
        """The sum of the kept values' sizes."""
        return int(self._items.currsize)

    def get(self, key, compute):
        """The cached value for ``key``, computing (outside the lock) if absent."""
        with self._lock:
            found = self._items.get(key)
        if found is not None:
            return found
        value = compute()
        with self._lock:
            if key not in self._items and len(value) <= self._items.maxsize:
                self._items[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
