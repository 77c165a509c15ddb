"""`SizedCache`: the oldest forgotten past a bound on count or total size; the newest
always kept; a replaced value's size no longer counted."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ai_infra_executor.sized_cache import SizedCache


def test_the_oldest_go_first_past_either_bound() -> None:
    cache: SizedCache[str, bytes] = SizedCache(len, max_items=3, max_size=10)
    for key in "abc":
        cache.put(key, b"xx")
    cache.put("d", b"xx")  # a fourth: "a" goes
    assert [cache.get(k) for k in "abcd"] == [None, b"xx", b"xx", b"xx"]
    cache.put("e", b"xxxxxxx")  # 6 + 7 > 10: "b" and "c" go
    assert [cache.get(k) for k in "bcde"] == [None, None, b"xx", b"xxxxxxx"]


def test_a_value_bigger_than_the_bound_is_kept_alone() -> None:
    cache: SizedCache[str, bytes] = SizedCache(len, max_size=4)
    cache.put("a", b"x")
    cache.put("big", b"x" * 9)
    assert (cache.get("a"), cache.get("big")) == (None, b"x" * 9)


def test_replacing_a_value_counts_only_the_new_one() -> None:
    cache: SizedCache[str, bytes] = SizedCache(len, max_size=4)
    cache.put("a", b"xxx")
    cache.put("a", b"x")
    cache.put("b", b"xxx")  # 1 + 3 fits: nothing forgotten
    assert (cache.get("a"), cache.get("b")) == (b"x", b"xxx")


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 12)), max_size=60))
def test_after_every_put_the_bounds_hold_and_the_newest_is_there(
    puts: list[tuple[int, int]],
) -> None:
    cache: SizedCache[int, bytes] = SizedCache(len, max_items=4, max_size=10)
    model: dict[int, bytes] = {}
    for key, size in puts:
        value = bytes(size)
        cache.put(key, value)
        model.pop(key, None)
        model[key] = value
        while len(model) > 4 or (len(model) > 1 and sum(map(len, model.values())) > 10):
            del model[next(iter(model))]
        assert {k: cache.get(k) for k in range(10) if cache.get(k) is not None} == model
        assert cache.get(key) == value
