"""What the fault campaign (``bench/faults.py``) counts, its verdict and its table: pure, so a unit
test can check the arithmetic without running a campaign.

Every count compares what the campaign caused with what the services' databases, the mail
capture directory and the broker hold once the system is quiet again:

- a **consumer** (``service <- topic``) applied an event when its inbox holds the event's id;
  it was expected to when the event is on the topic and of a type the consumer has a handler
  for. lost = expected - applied (an inbox row is unique per consumer and event, so an event is
  never applied twice there; the effects below check what the inbox cannot see);
- an **effect** is something that would be there twice if an event were applied twice: a
  contact per account, a delivery per message, recipient and channel, an email per recipient
  (distinct Message-IDs, and files), a bulletin per recipient, a fan-out chunk per number;
- an **outbox row** still unpublished once everything is quiet is stuck;
- **lag** is a consumer group's committed offset against the partition's end offset, read by
  consuming to the end (the embedded broker's ListOffsets under-reports it);
- a **poison message** must be on the dead-letter topic, parked with its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.runtime.lag import PartitionLag  # the campaign's lags are the runtime's


@dataclass(frozen=True)
class ConsumerCount:
    consumer: str  # "contacts <- accounts.lifecycle"
    expected: int
    applied: int

    @property
    def lost(self) -> int:
        return max(0, self.expected - self.applied)


@dataclass(frozen=True)
class EffectCount:
    effect: str
    expected: int | None
    """None: only duplicates are looked for (the number that should exist is not known)"""
    found: int
    """distinct: each effect once, however often it is there"""
    duplicated: int

    @property
    def lost(self) -> int:
        return 0 if self.expected is None else max(0, self.expected - self.found)


def counted(effect: str, expected: int | None, keys: Iterable[object]) -> EffectCount:
    """An effect counted from one key per occurrence: distinct keys found, the rest duplicates."""
    occurrences = Counter(keys)
    found = len(occurrences)
    return EffectCount(effect, expected, found, sum(occurrences.values()) - found)


@dataclass(frozen=True)
class Poison:
    kind: str  # "malformed JSON", "unknown type", "invalid envelope"
    topic: str
    subscribers: tuple[str, ...]
    """the services subscribed to the topic"""
    parked_by: dict[str, str] = field(default_factory=dict)
    """service -> the reason it gave on the dead-letter topic"""

    @property
    def dead_lettered(self) -> bool:
        return bool(self.parked_by)


@dataclass(frozen=True)
class Fault:
    seconds: float  # since the stream was published
    progress: float  # share of the stream applied when it struck
    kind: str  # "kill", "postgres", "broker", "fan-out kill"
    target: str
    note: str = ""


@dataclass
class Campaign:
    events: int
    seed: int
    master: str
    applicants: int
    recipients: int
    kills: int
    machine: str = ""
    faults: list[Fault] = field(default_factory=list)
    consumers: list[ConsumerCount] = field(default_factory=list)
    effects: list[EffectCount] = field(default_factory=list)
    unpublished: dict[str, int] = field(default_factory=dict)
    """outbox rows not published after quiescence, per database"""
    poisons: list[Poison] = field(default_factory=list)
    lags: list[PartitionLag] = field(default_factory=list)
    unplanned_restarts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quiet: bool = False
    """whether everything settled before the timeout"""
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return sum(c.lost for c in self.consumers) + sum(e.lost for e in self.effects)

    @property
    def duplicated(self) -> int:
        return sum(e.duplicated for e in self.effects)

    @property
    def stuck(self) -> int:
        return sum(self.unpublished.values())

    @property
    def lag(self) -> int:
        return sum(p.lag for p in self.lags)


def failures(c: Campaign) -> list[str]:
    """Why the campaign fails; none when every effect is there exactly once, nothing is stuck,
    no group lags and every poison message was dead-lettered."""
    found = []
    if not c.quiet:
        found.append("the system did not settle before the timeout")
    if not c.consumers:
        found.append("nothing was counted")
    if c.lost:
        found.append(f"{c.lost:,} lost")
    if c.duplicated:
        found.append(f"{c.duplicated:,} duplicated")
    if c.stuck:
        found.append(f"{c.stuck:,} outbox rows stuck")
    if c.lag:
        lagging = sorted({p.group for p in c.lags if p.lag})
        found.append(f"lag {c.lag:,} ({', '.join(lagging)})")
    beyond = sorted({p.group for p in c.lags if p.past_end})
    if beyond:
        found.append(f"offsets committed past the end ({', '.join(beyond)})")
    missing = [f"{p.kind} on {p.topic}" for p in c.poisons if not p.dead_lettered]
    if missing:
        found.append(f"not dead-lettered: {'; '.join(missing)}")
    return found


def table(c: Campaign) -> str:
    """The campaign's counts as the command prints them."""
    lines = [
        f"Fault campaign: {c.events:,} events (seed {c.seed}) for master {c.master}, a book of "
        f"{c.applicants:,} applicants; fan-out to {c.recipients:,} accounts x 3 channels",
        c.machine,
        "",
        f"Faults ({len(c.faults)}):",
        *(
            f"  {f.seconds:7.1f} s  {f.progress:4.0%}  {f.kind:<13}{f.target:<11}{f.note}"
            for f in c.faults
        ),
    ]
    if c.unplanned_restarts:
        lines.append("  restarted after exiting on their own: " + ", ".join(c.unplanned_restarts))
    lines += [
        "",
        f"  {'consumer (service <- topic)':<52}{'expected':>10}{'applied':>10}{'lost':>7}",
    ]
    lines += [f"  {x.consumer:<52}{x.expected:>10,}{x.applied:>10,}{x.lost:>7,}"
              for x in c.consumers if x.expected or x.applied]  # fmt: skip
    idle = sum(1 for x in c.consumers if not x.expected and not x.applied)
    if idle:
        lines.append(f"  ({idle} more subscriptions were given nothing to apply)")
    lines += ["", f"  {'effect':<52}{'expected':>10}{'found':>10}{'lost':>7}{'dup':>6}"]
    for e in c.effects:
        expected = "-" if e.expected is None else f"{e.expected:,}"
        lines.append(f"  {e.effect:<52}{expected:>10}{e.found:>10,}{e.lost:>7,}{e.duplicated:>6,}")
    lines += ["", "  outbox rows unpublished after quiescence: "
              + ", ".join(f"{db} {n:,}" for db, n in c.unpublished.items())]  # fmt: skip
    lines += ["", "  poison messages on the dead-letter topic:"]
    for p in c.poisons:
        if not p.dead_lettered:
            lines.append(f"    {p.kind} on {p.topic}: NOT dead-lettered "
                         f"(subscribers: {', '.join(p.subscribers)})")  # fmt: skip
        for service, reason in sorted(p.parked_by.items()):
            lines.append(f"    {p.kind} on {p.topic}, parked by {service}: {reason[:110]}")
    lines += ["", lag_summary(c.lags), *(f"    {note}" for note in c.notes), ""]
    problems = failures(c)
    lines.append(
        f"Verdict: {'PASS' if not problems else 'FAIL'} after {c.seconds:,.0f} s: "
        f"{c.lost:,} lost, {c.duplicated:,} duplicated, {c.stuck:,} stuck, lag {c.lag:,}, "
        f"{sum(p.dead_lettered for p in c.poisons)}/{len(c.poisons)} poison messages "
        "dead-lettered" + ("" if not problems else f" ({'; '.join(problems)})")
    )
    return "\n".join(lines)


def lag_summary(lags: list[PartitionLag]) -> str:
    groups = {p.group for p in lags}
    misreported = sum(1 for p in lags if p.reported_end is not None and p.reported_end != p.end)
    lines = [
        f"  consumer lag: {len(groups)} groups, {len(lags)} partitions, total {sum(p.lag for p in lags):,}"
        f" (end offsets read by consuming; ListOffsets was wrong for {misreported} of them)"
    ]
    lines += [f"    {p.group} [{p.topic}:{p.partition}] committed {p.committed} end {p.end} "
              f"lag {p.lag:,}" + (f" PAST THE END by {p.past_end:,}" if p.past_end else "")
              for p in lags if p.lag or p.past_end]  # fmt: skip
    return "\n".join(lines)
