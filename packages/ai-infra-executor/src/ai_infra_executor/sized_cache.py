"""`SizedCache`: a mapping that forgets its oldest entries past a bound on how many it
holds and on their total size (the server's shared frames, the Redis log's kept
reads of ended runs). Stdlib only."""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["SizedCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedCache(Generic[K, V]):
    """Entries by key, the oldest put forgotten first. After a :meth:`put` the cache
    holds at most *max_items* entries of at most *max_size* in all, except that the
    newest entry is always kept (alone, if it is bigger than *max_size* itself).

    Args:
        size_of: the size of a value (bytes, events: the caller's unit).
        max_items: how many entries are kept.
        max_size: about how much, in *size_of* units, is kept in all.
    """

    def __init__(
        self,
        size_of: Callable[[V], int],
        *,
        max_items: int = sys.maxsize,
        max_size: int = sys.maxsize,
    ) -> None:
        self._size_of = size_of
        self._max_items = max_items
        self._max_size = max_size
        self._items: dict[K, V] = {}
        self._size = 0

    def get(self, key: K) -> V | None:
        """The value kept for *key*, if any."""
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        """Keep *value* for *key* (replacing what was there), forgetting the oldest past
        the bounds."""
        old = self._items.pop(key, None)
        if old is not None:
            self._size -= self._size_of(old)
        size = self._size_of(value)
        while self._items and (
            len(self._items) >= self._max_items or self._size + size > self._max_size
        ):
            oldest = next(iter(self._items))
            self._size -= self._size_of(self._items.pop(oldest))
        self._items[key] = value
        self._size += size

    def clear(self) -> None:
        """Forget everything."""
        self._items.clear()
        self._size = 0
