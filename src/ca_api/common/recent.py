"""The most recent results of a costly pure computation, by their key (a bounded LRU map).

Only what succeeded is kept (the caller keeps a result after computing it), so a failure is
computed, and reported, every time: the parsed GraphQL documents (``documents``) and the
tokens whose signature was checked (``auth.tokens``)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """The last ``size`` values kept, by key; reading one makes it the most recent."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def keep(self, key: K, value: V) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.size:
            self._values.popitem(last=False)
