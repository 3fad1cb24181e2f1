"""ESG impact preferences (A7): the 13 impact values a client chooses among, invitation tokens
and the aggregate of the answers.

An invitation's token is ``<master>.<secret>`` (the master part scopes the lookup, as for
account invitations); only its SHA-256 is kept, so the database never holds a usable link."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Iterable

from services.runtime.errors import Invalid

IMPACT_VALUES: dict[str, str] = {
    "climate": "Climate change and carbon emissions",
    "clean_energy": "Clean and renewable energy",
    "water": "Water conservation and clean water",
    "biodiversity": "Biodiversity and land use",
    "pollution": "Pollution and waste",
    "human_rights": "Human rights",
    "labor": "Fair labour practices",
    "diversity": "Gender and racial diversity",
    "community": "Community development",
    "health": "Health and well-being",
    "governance": "Corporate governance and ethics",
    "weapons": "Avoiding weapons",
    "tobacco_gambling": "Avoiding tobacco, alcohol and gambling",
}
assert len(IMPACT_VALUES) == 13

SECRET_BYTES = 24
_TOKEN = re.compile(r"^(?P<master>[A-Za-z0-9_-]{1,32})\.[A-Za-z0-9_-]{20,64}$")


def new_token(master_account_id: str) -> str:
    return f"{master_account_id}.{secrets.token_urlsafe(SECRET_BYTES)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_master(token: str) -> str | None:
    match = _TOKEN.match(token)
    return match["master"] if match else None


def check_choice(values: Iterable[str]) -> list[str]:
    """The chosen values, each once, in the catalogue's order; at least one, all known."""
    chosen = set(values)
    unknown = sorted(chosen - IMPACT_VALUES.keys())
    if unknown:
        raise Invalid(f"unknown impact values: {', '.join(unknown)[:200]}", field="values")
    if not chosen:
        raise Invalid("choose at least one impact value", field="values")
    return [value for value in IMPACT_VALUES if value in chosen]


def aggregate(choices: Iterable[Iterable[str]]) -> tuple[int, dict[str, int]]:
    """How many clients answered, and how many chose each value (every value listed)."""
    counts: Counter[str] = Counter()
    answered = 0
    for chosen in choices:
        answered += 1
        counts.update(chosen)
    return answered, {value: counts.get(value, 0) for value in IMPACT_VALUES}
