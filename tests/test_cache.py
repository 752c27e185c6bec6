"""The size-bounded LRU that holds postings, docsets, scores and results."""

from searchsvc.cache import SizedLRU


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
