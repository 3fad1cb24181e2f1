"""Keeping read models from events: of the states a poll brings, the one a read model keeps per
key (a batch then upserts each key once, in one statement)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")


def newest(
    states: Iterable[T], *, key: Callable[[T], Hashable], supersedes: Callable[[T, T], bool]
) -> list[T]:
    """One state per ``key``: a later one replaces the kept one when it ``supersedes`` it."""
    kept: dict[Hashable, T] = {}
    for state in states:
        current = kept.get(key(state))
        if current is None or supersedes(state, current):
            kept[key(state)] = state
    return list(kept.values())
