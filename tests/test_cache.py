"""The size-bounded LRU that holds postings, docsets, scores and results."""

import random

from searchsvc.engine import docsets, ranking
from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.engine.cache import SizedLRU, entry_bytes
from tests.conftest import own_snapshot


def test_keeps_recent_values_within_the_budget_and_computes_each_once():
    cache = SizedLRU(10)
    calls = []

    def make(key, size):
        def compute():
            calls.append(key)
            return "x" * size
        return compute

    assert cache.get("a", make("a", 4)) == "xxxx"
    assert cache.get("a", make("a", 4)) == "xxxx" and calls == ["a"]  # kept
    cache.get("b", make("b", 4))
    cache.get("a", make("a", 4))  # a is now the most recent
    cache.get("c", make("c", 4))  # 12 > 10: the least recent (b) goes
    assert calls == ["a", "b", "c"] and cache.held == 8 and len(cache) == 2
    cache.get("b", make("b", 4))
    assert calls[-1] == "b" and cache.held <= cache.budget
    big = cache.get("big", make("big", 11))  # larger than the budget: returned, not kept
    assert len(big) == 11 and cache.held <= 10
    cache.get("big", make("big", 11))
    assert calls.count("big") == 2
    cache.clear()
    assert len(cache) == 0 and cache.held == 0


def test_an_empty_value_is_a_cached_value():
    cache = SizedLRU(10)
    calls = []
    for _ in range(3):
        assert cache.get("none", lambda: calls.append(1) or []) == []
    assert calls == [1]


def test_empty_values_weigh_their_entry_and_the_entry_limit_holds():
    cache = SizedLRU(10_000, max_entries=3, entry_cost=entry_bytes)
    for k in range(10):
        cache.get(f"nonsense {k}", list)  # empty answers
    assert len(cache) == 3 and 0 < cache.held <= cache.budget
    assert cache.held >= 3 * entry_bytes("nonsense 0")
    bytes_only = SizedLRU(2_000, entry_cost=entry_bytes)
    for k in range(100):
        bytes_only.get(("q", k, "x" * 50), list)
    assert len(bytes_only) < 10 and bytes_only.held <= 2_000


def caches_of(snapshot) -> dict[str, SizedLRU]:
    """Every SizedLRU a snapshot holds, directly or one object down."""
    found = {}
    for name, value in vars(snapshot).items():
        if isinstance(value, SizedLRU):
            found[name] = value
        elif hasattr(value, "__dict__"):
            for inner, cache in vars(value).items():
                if isinstance(cache, SizedLRU):
                    found[f"{name}.{inner}"] = cache
    return found


def test_distinct_nonsense_queries_leave_every_cache_within_its_budgets(seed_dirs, monkeypatch):
    """Every cache a snapshot holds stays within both of its bounds under a
    stream of distinct queries: proven with bounds a few hundred queries
    reach (the real ones are reached the same way, only later), on a
    snapshot of the test's own."""
    for module, entries, size in ((snapshots, "RESULT_CACHE_ENTRIES", "RESULT_CACHE_BYTES"),
                                  (docsets, "CACHE_ENTRIES", "CACHE_BYTES"),
                                  (ranking, "CACHE_ENTRIES", "CACHE_BYTES")):
        monkeypatch.setattr(module, entries, 40)
        monkeypatch.setattr(module, size, 200_000)
    snap = own_snapshot(seed_dirs[1])
    try:
        caches = caches_of(snap)
        assert {"results", "literals._cache", "ranker._cache"} <= set(caches)
        rng = random.Random(20)
        han = "罗湖区营商环境政府工作报告深圳改革创新发展民生教育医疗"
        latin = "abcdefghijklmnopqrstuvwxyz"
        seen = set()
        while len(seen) < 400:
            kind = rng.random()
            if kind < 0.5:
                q = "".join(rng.choice(han) for _ in range(rng.randint(2, 6)))
            elif kind < 0.8:
                q = "".join(rng.choice(latin) for _ in range(rng.randint(3, 9)))
            else:
                q = " ".join("".join(rng.choice(han + latin) for _ in range(rng.randint(1, 4)))
                             for _ in range(rng.randint(2, 4)))
            if q in seen:
                continue
            seen.add(q)
            S.search(snap, q, per_page=3)
        for name, cache in caches.items():
            assert cache.max_entries == 40, name
            assert len(cache) <= cache.max_entries and cache.held <= cache.budget, name
            assert len(cache) == cache.max_entries or cache.held > cache.budget / 2, name  # reached
    finally:
        snap.close()
