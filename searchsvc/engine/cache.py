"""A thread-safe LRU cache bounded in bytes and in entries.

cachetools' LRUCache does the bookkeeping; this adds the lock, the entry
limit, and peek, put and get (get-or-compute) over them. Each entry weighs
what its value holds plus what the entry itself costs (its key and the
cache's own objects), so a stream of distinct queries with empty answers
fills the budget like any other, and the entry limit holds as well.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

ENTRY_BYTES = 240  # an entry's own cost: the LRU's links, the dict slot, the wrapper


def key_bytes(key: object) -> int:
    """What a key holds: a string or number, or a tuple or frozen
    dataclass (a search request) of them."""
    if isinstance(key, tuple):
        return sys.getsizeof(key) + sum(key_bytes(k) for k in key)
    if dataclasses.is_dataclass(key):
        return sys.getsizeof(key) + sum(key_bytes(getattr(key, f.name))
                                        for f in dataclasses.fields(key))
    return sys.getsizeof(key)


def entry_bytes(key: object) -> int:
    """The cost of one entry apart from its value."""
    return ENTRY_BYTES + key_bytes(key)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    """Keeps recently used values while the sum of their weights stays under
    ``budget`` and their number under ``max_entries``. A value's weight is
    ``weigh(value)`` plus ``entry_cost(key)``. A value heavier than the
    whole budget is returned, not kept."""

    def __init__(self, budget: int, max_entries: int | None = None,
                 weigh: Callable[[V], int] = len,  # type: ignore[assignment]  # V is sized
                 entry_cost: Callable[[K], int] | None = None):
        self._items: LRUCache[K, tuple[V, int]] = LRUCache(maxsize=budget,
                                                           getsizeof=lambda entry: entry[1])
        self._weigh = weigh
        self._entry_cost = entry_cost
        self.max_entries = max_entries
        self._lock = threading.Lock()

    @property
    def budget(self) -> int:
        return int(self._items.maxsize)

    @property
    def held(self) -> int:
        """The sum of the kept entries' weights."""
        return int(self._items.currsize)

    def peek(self, key: K) -> V | None:
        """The value kept for ``key`` (now the most recently used), or None."""
        with self._lock:
            found = self._items.get(key)
        return None if found is None else found[0]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``, unless it alone outweighs the budget."""
        weight = self._weigh(value) + (self._entry_cost(key) if self._entry_cost else 0)
        with self._lock:
            if key not in self._items and weight <= self._items.maxsize:
                if self.max_entries is not None:
                    while self._items and len(self._items) >= self.max_entries:
                        self._items.popitem()  # the least recently used
                self._items[key] = (value, weight)

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The cached value for ``key``, computing (outside the lock) if absent."""
        found = self.peek(key)
        if found is None:
            found = compute()
            self.put(key, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
