"""Likely duplicates (X2): pairs of prospects that share an email or a phone number or have
similar names, grouped into clusters with their reasons and a score.

A pair's score combines its independent pieces of evidence: 1 - Π(1 - weight), with a shared
email weighing 0.9, a shared phone 0.8 and similar names 0.7 times their trigram similarity — so
two records with the same email and similar names outrank records that only sound alike.
A cluster is a group of records that are each likely duplicates of one another; it scores as
its strongest pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from uuid import UUID

EMAIL_WEIGHT = 0.9
PHONE_WEIGHT = 0.8
NAME_WEIGHT = 0.7
NAME_SIMILARITY_THRESHOLD = 0.5
"""trigram similarity of the full names from which they count as similar"""


@dataclass(frozen=True)
class CandidatePair:
    first: UUID
    second: UUID
    emails: frozenset[str] = frozenset()
    same_phone: bool = False
    name_similarity: float = 0.0

    @property
    def similar_names(self) -> bool:
        return self.name_similarity >= NAME_SIMILARITY_THRESHOLD

    @cached_property
    def score(self) -> float:
        missing = 1.0
        if self.emails:
            missing *= 1 - EMAIL_WEIGHT
        if self.same_phone:
            missing *= 1 - PHONE_WEIGHT
        if self.similar_names:
            missing *= 1 - NAME_WEIGHT * self.name_similarity
        return 1 - missing

    @property
    def is_likely(self) -> bool:
        return bool(self.emails) or self.same_phone or self.similar_names


@dataclass(frozen=True)
class Cluster:
    contact_ids: frozenset[UUID]
    score: float
    emails: frozenset[str]
    same_phone: bool
    name_similarity: float | None
    """the highest similarity of similar names in the cluster"""

    @classmethod
    def of(cls, pairs: list[CandidatePair]) -> Cluster:
        similar = [pair.name_similarity for pair in pairs if pair.similar_names]
        return cls(
            contact_ids=frozenset(i for pair in pairs for i in (pair.first, pair.second)),
            score=max(pair.score for pair in pairs),
            emails=frozenset().union(*(pair.emails for pair in pairs)),
            same_phone=any(pair.same_phone for pair in pairs),
            name_similarity=max(similar) if similar else None,
        )


def clusters_of(pairs: Iterable[CandidatePair]) -> list[Cluster]:
    """Groups of records that are each likely duplicates of one another, the strongest first
    (then the larger).

    Complete linkage: the likeliest pairs are taken first, and two groups join only when every
    record of one is likely the same person as every record of the other — so a chain of
    similar names (Tiel ~ Tiley ~ Voley) does not pull unrelated people into one group.
    """
    likely = sorted(
        (pair for pair in pairs if pair.is_likely),
        key=lambda pair: (-pair.score, pair.first.int, pair.second.int),
    )
    # records as small numbers: a UUID's hash is computed in Python, an int's is not
    number: dict[int, int] = {}
    ends = [
        (
            number.setdefault(pair.first.int, len(number)),
            number.setdefault(pair.second.int, len(number)),
        )
        for pair in likely
    ]
    linked = set(ends) | {(second, first) for first, second in ends}
    group_of: list[set[int]] = [{record} for record in range(len(number))]
    for first_record, second_record in ends:
        first, second = group_of[first_record], group_of[second_record]
        if first is second or any((a, b) not in linked for a in first for b in second):
            continue
        first |= second
        for record in second:
            group_of[record] = first
    grouped: dict[int, list[CandidatePair]] = {}
    for pair, (first_record, second_record) in zip(likely, ends, strict=True):
        group = group_of[first_record]
        if second_record in group:
            grouped.setdefault(id(group), []).append(pair)
    clusters = [Cluster.of(group_pairs) for group_pairs in grouped.values()]
    return sorted(clusters, key=lambda cluster: (-cluster.score, -len(cluster.contact_ids)))
