"""A thread-safe LRU cache bounded by the total size of its values."""

from __future__ import annotations

import threading
from collections import OrderedDict


class SizedLRU:
    """Keeps recently used values while the sum of ``len(value)`` stays under
    ``budget``: a few big postings or many small ones, never unbounded."""

    def __init__(self, budget: int):
        self.budget = budget
        self._items: OrderedDict = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key, compute):
        """The cached value for ``key``, computing (outside the lock) if absent."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        value = compute()
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._held += len(value)
                while self._held > self.budget and len(self._items) > 1:
                    _, old = self._items.popitem(last=False)
                    self._held -= len(old)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._held = 0

    def __len__(self) -> int:
        return len(self._items)
