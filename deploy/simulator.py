"""The broker's back office, simulated: a realistic, deterministic stream of external account events.

``BackOffice`` is pure (a seeded ``random.Random``, no I/O): ``opening_book()`` is the month
before the simulated "today" (applications walking through the six stages, funding, trades,
daily net asset values, positions, margin requirements of the margin accounts (their desk:
``deploy/simulator_margin.py``), corporate actions, broker messages, security devices),
``next_day()`` one more business day, ``take(n)`` exactly ``n`` events for benchmarks.
``publish()`` sends events to Kafka; ``python -m deploy.simulator`` runs it from the command line.
With ``--state-dir`` it keeps its state there and a restart continues the same book
(``deploy/simulator_state.py``).

Event ids come from the seed too, so replaying a seed is a no-op for idempotent consumers;
use another ``--seed`` for a fresh book. Amounts are USD; an internal transfer is reported on
both accounts, negative on the paying one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import time
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import partial
from itertools import islice
from pathlib import Path
from random import Random
from typing import Any
from uuid import UUID

import phonenumbers
import structlog
from aiokafka import AIOKafkaProducer

from contracts import topics
from contracts.account_profiles import (
    AccountProfileReported,
    BankingInstruction,
    ResidentialAddress,
    SecurityDeviceIssued,
)
from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    AccountType,
    Applicant,
    ApplicationStage,
    ApplicationStatusChanged,
    BrokerMessageIssued,
    CashDirection,
    Channel,
    CorporateActionAnnounced,
    CorporateActionKind,
    Deposit,
    DividendPaid,
    InterestPaid,
    InternalTransfer,
    NetAssetValueReported,
    Position,
    PositionsReported,
    PositionTransfer,
    SecurityDeviceShipped,
    TradeExecuted,
    TradeSide,
    Withdrawal,
)
from contracts.envelope import Envelope, Event
from contracts.margin import MarginRequirementsReported
from contracts.tools import InvestorProfile, InvestorProfileReported
from contracts.topics import Topic
from deploy.demo import DEMO_MASTERS
from deploy.simulator_benchmarks import benchmark_envelopes
from deploy.simulator_margin import MarginDesk, Security
from deploy.simulator_masters import master_value_envelopes
from deploy.simulator_requests import answer_requests
from deploy.simulator_state import Record, SimulatorState
from services.runtime.cluster import cluster_id

log = structlog.get_logger("deploy.simulator")

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
BOOK_DAYS = 30
STAGE_ORDER: tuple[ApplicationStage, ...] = (
    ApplicationStage.INVITED,
    ApplicationStage.STARTED,
    ApplicationStage.SUBMITTED,
    ApplicationStage.PENDING,
    ApplicationStage.OPEN,
    ApplicationStage.CLOSED,
)

# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class _Culture:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    regions: tuple[str, ...]  # phone regions (ISO 3166 alpha-2)
    email_domains: tuple[str, ...]


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


CULTURES: dict[str, _Culture] = {
    "american": _Culture(
        _names(
            "James, Mary, Michael, Jennifer, Robert, Linda, David, Elizabeth, William, Sarah,"
            "Christopher, Jessica, Daniel, Emily, Matthew, Ashley, Andrew, Megan, Tyler, Olivia"
        ),
        _names(
            "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor,"
            "Thomas, Moore, Thompson, White, Harris, Clark, O'Brien, Sullivan, Cohen, Goldberg"
        ),
        ("US",),
        ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "comcast.net", "aol.com"),
    ),
    "british": _Culture(
        _names("Oliver, Amelia, Harry, Isla, George, Charlotte, Alfie, Poppy, Edward, Imogen"),
        _names(
            "Hughes, Evans, Roberts, Wright, Edwards, Hall, Fletcher, Ashworth, Pemberton, Lloyd"
        ),
        ("GB",),
        ("btinternet.com", "gmail.com", "outlook.com", "hotmail.co.uk"),
    ),
    "hispanic": _Culture(
        _names(
            "José, María, Carlos, Lucía, Javier, Sofía, Alejandro, Valentina, Diego, Camila,"
            "Mateo, Isabela"
        ),
        _names(
            "García, Rodríguez, Martínez, Hernández, López, González, Pérez, Sánchez, Ramírez,"
            "Torres, Flores, Rivera"
        ),
        ("US", "MX", "ES"),
        ("gmail.com", "hotmail.com", "outlook.es", "yahoo.com.mx"),
    ),
    "german_swiss": _Culture(
        _names(
            "Lukas, Anna, Jonas, Lea, Felix, Mia, Matthias, Laura, Stefan, Sabine, Urs,"
            "Regula, Reto, Jürg"
        ),
        _names(
            "Müller, Meier, Schmid, Keller, Weber, Huber, Schneider, Fischer, Brunner,"
            "Baumann, Gerber, Zimmermann, Wagner, Bachmann"
        ),
        ("CH", "DE", "AT"),
        ("bluewin.ch", "gmx.ch", "gmx.de", "web.de", "proton.me", "sunrise.ch"),
    ),
    "french": _Culture(
        _names(
            "Jean, Camille, Louis, Chloé, Hugo, Léa, Nicolas, Élodie, Mathieu, Amélie,"
            "Antoine, Margaux"
        ),
        _names(
            "Dubois, Martin, Bernard, Lefèvre, Moreau, Laurent, Girard, Rochat, Favre,"
            "Perret, Blanc, Fontaine"
        ),
        ("FR", "CH"),
        ("orange.fr", "free.fr", "bluewin.ch", "gmail.com"),
    ),
    "italian": _Culture(
        _names("Marco, Giulia, Alessandro, Francesca, Luca, Chiara, Matteo, Elena, Giovanni, Sara"),
        _names(
            "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Bernasconi,Galli"
        ),
        ("IT", "CH"),
        ("libero.it", "gmail.com", "bluewin.ch", "virgilio.it"),
    ),
    "japanese": _Culture(
        _names(
            "Haruto, Yui, Sota, Hina, Ren, Aoi, Takumi, Sakura, Hiroshi, Yuki, Kenji, Akiko,"
            "Daisuke, Naomi"
        ),
        _names(
            "Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi,"
            "Kato, Yoshida, Yamada, Sasaki, Matsumoto"
        ),
        ("JP",),
        ("yahoo.co.jp", "docomo.ne.jp", "gmail.com", "icloud.com", "nifty.com"),
    ),
    "chinese": _Culture(
        _names("Wei, Fang, Jun, Mei, Hao, Xin, Yan, Lei, Ying, Jing"),
        _names("Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou"),
        ("CN", "HK", "SG", "US"),
        ("qq.com", "163.com", "gmail.com", "outlook.com"),
    ),
    "indian": _Culture(
        _names("Aarav, Priya, Rohan, Ananya, Vikram, Kavya, Arjun, Neha, Rahul, Divya"),
        _names("Sharma, Patel, Singh, Gupta, Iyer, Reddy, Nair, Kumar, Mehta, Rao"),
        ("IN", "US", "GB"),
        ("gmail.com", "rediffmail.com", "outlook.com", "yahoo.co.in"),
    ),
    "korean": _Culture(
        _names("Min-jun, Seo-yeon, Ji-ho, Ha-eun, Do-yun, Ji-woo, Seung-hoon, Eun-ji"),
        _names("Kim, Lee, Park, Choi, Jung, Kang, Yoon, Han"),
        ("KR", "US"),
        ("naver.com", "daum.net", "gmail.com"),
    ),
    "nordic": _Culture(
        _names("Lars, Ingrid, Erik, Astrid, Nils, Sigrid, Magnus, Freja, Björn, Maja"),
        _names("Andersson, Johansson, Nilsson, Larsen, Hansen, Lindqvist, Berg, Søndergaard"),
        ("SE", "NO", "DK"),
        ("gmail.com", "outlook.com", "telia.com"),
    ),
    "arabic": _Culture(
        _names("Omar, Layla, Youssef, Fatima, Karim, Nour, Hassan, Amira"),
        _names("Haddad, Khoury, Mansour, Al-Farsi, Nassar, Saleh, Aziz, Hamdan"),
        ("AE", "GB", "US"),
        ("gmail.com", "outlook.com", "icloud.com"),
    ),
    "west_african": _Culture(
        _names("Chinedu, Ngozi, Oluwaseun, Amara, Kwame, Abena, Emeka, Adaeze"),
        _names("Okafor, Adeyemi, Mensah, Okonkwo, Boateng, Eze, Owusu, Balogun"),
        ("NG", "GH", "GB", "US"),
        ("gmail.com", "yahoo.com", "outlook.com"),
    ),
}

# Which cultures a master's book draws on, by its region (from the demo masters' time zones).
REGION_CULTURES: dict[str, dict[str, int]] = {
    "US": {
        "american": 40,
        "hispanic": 14,
        "chinese": 8,
        "indian": 9,
        "korean": 4,
        "british": 5,
        "arabic": 3,
        "west_african": 4,
        "italian": 3,
        "german_swiss": 2,
        "japanese": 3,
    },
    "CH": {
        "german_swiss": 40,
        "french": 18,
        "italian": 12,
        "british": 6,
        "american": 6,
        "nordic": 6,
        "arabic": 5,
        "indian": 3,
        "chinese": 4,
    },
    "JP": {"japanese": 60, "chinese": 10, "korean": 8, "american": 10, "british": 4, "indian": 4},
}


@dataclass(frozen=True)
class _Security:
    symbol: str
    price: float  # USD equivalent on the first simulated day
    dividend_yield: float
    volatility: float  # daily
    market: str


SECURITIES: tuple[_Security, ...] = (
    _Security("AAPL", 189.5, 0.005, 0.015, "US"),
    _Security("MSFT", 412.3, 0.007, 0.014, "US"),
    _Security("NVDA", 121.8, 0.0003, 0.03, "US"),
    _Security("AMZN", 182.1, 0.0, 0.018, "US"),
    _Security("GOOGL", 166.4, 0.005, 0.017, "US"),
    _Security("JPM", 201.7, 0.023, 0.012, "US"),
    _Security("JNJ", 154.9, 0.031, 0.009, "US"),
    _Security("KO", 62.4, 0.03, 0.008, "US"),
    _Security("PG", 165.2, 0.024, 0.008, "US"),
    _Security("XOM", 114.6, 0.033, 0.014, "US"),
    _Security("BRK.B", 408.2, 0.0, 0.009, "US"),
    _Security("VTI", 268.9, 0.013, 0.009, "ETF"),
    _Security("VOO", 498.7, 0.013, 0.009, "ETF"),
    _Security("VXUS", 60.2, 0.031, 0.009, "ETF"),
    _Security("BND", 72.1, 0.036, 0.003, "ETF"),
    _Security("AGG", 98.3, 0.035, 0.003, "ETF"),
    _Security("TLT", 92.4, 0.04, 0.009, "ETF"),
    _Security("GLD", 215.6, 0.0, 0.008, "ETF"),
    _Security("7203.T", 19.2, 0.028, 0.015, "JP"),
    _Security("6758.T", 21.4, 0.006, 0.017, "JP"),
    _Security("9984.T", 45.3, 0.005, 0.025, "JP"),
    _Security("8306.T", 10.9, 0.03, 0.016, "JP"),
    _Security("NESN.SW", 94.8, 0.033, 0.009, "CH"),
    _Security("NOVN.SW", 104.6, 0.035, 0.01, "CH"),
    _Security("ROG.SW", 298.5, 0.033, 0.011, "CH"),
    _Security("UBSG.SW", 31.2, 0.02, 0.016, "CH"),
    _Security("ASML", 912.0, 0.008, 0.022, "EU"),
    _Security("SAP", 201.3, 0.01, 0.014, "EU"),
)
ETFS = tuple(s.symbol for s in SECURITIES if s.market == "ETF")
MARGIN_SECURITIES = {s.symbol: Security(s.volatility, s.market == "ETF") for s in SECURITIES}
BY_SYMBOL = {s.symbol: s for s in SECURITIES}

# (stage an application of the opening book has reached, share of the book)
BOOK_STAGES: tuple[tuple[ApplicationStage, float], ...] = (
    (ApplicationStage.INVITED, 0.12),
    (ApplicationStage.STARTED, 0.10),
    (ApplicationStage.SUBMITTED, 0.07),
    (ApplicationStage.PENDING, 0.13),
    (ApplicationStage.CLOSED, 0.05),
    (ApplicationStage.OPEN, 0.53),
)
NEWCOMER_GOALS = STAGE_ORDER[:5]  # how far a new applicant will get
NEWCOMER_WEIGHTS = (0.12, 0.10, 0.07, 0.13, 0.58)
ACCOUNT_TYPES: dict[AccountType, tuple[int, float]] = {  # weight, median initial funding (USD)
    AccountType.INDIVIDUAL: (44, 85_000),
    AccountType.JOINT: (15, 140_000),
    AccountType.TRADITIONAL_IRA: (10, 60_000),
    AccountType.ROTH_IRA: (9, 35_000),
    AccountType.ROLLOVER_IRA: (5, 260_000),
    AccountType.SEP_IRA: (3, 70_000),
    AccountType.TRUST: (5, 650_000),
    AccountType.ORGANIZATION: (5, 400_000),
    AccountType.HEDGE_FUND: (2, 6_000_000),
    AccountType.FAMILY_OFFICE: (2, 12_000_000),
}
COMMON_TASKS = (
    "Upload proof of address",
    "Upload government-issued photo ID",
    "Fund account",
    "Verify email address",
    "Complete trading experience questionnaire",
    "Provide source of wealth documentation",
    "Confirm tax residency",
    "Sign margin agreement",
    "Sign options trading agreement",
)
TYPE_TASKS: dict[AccountType, tuple[str, ...]] = {
    AccountType.JOINT: ("Second account holder signature",),
    AccountType.TRUST: ("Upload trust agreement", "Certification of trust signed by all trustees"),
    AccountType.ORGANIZATION: ("Upload certificate of incorporation", "Beneficial ownership form"),
    AccountType.HEDGE_FUND: ("Upload offering memorandum", "Beneficial ownership form"),
    AccountType.FAMILY_OFFICE: ("Upload operating agreement", "Beneficial ownership form"),
    AccountType.TRADITIONAL_IRA: ("Add beneficiary designation",),
    AccountType.ROTH_IRA: ("Add beneficiary designation",),
    AccountType.ROLLOVER_IRA: ("Add beneficiary designation", "Upload rollover statement"),
    AccountType.SEP_IRA: ("Add beneficiary designation", "Employer SEP plan document"),
}
DEVICES = (
    ("digital_security_card", "DSC"),
    ("security_code_card", "SCC"),
    ("hardware_token", "HTK"),
)


@dataclass(frozen=True)
class _MessageTemplate:
    message_type: str
    subject: str
    body: str
    review_required: bool


MESSAGE_TEMPLATES: tuple[_MessageTemplate, ...] = (
    _MessageTemplate(
        "statement_available",
        "Your monthly activity statement is ready",
        "Dear {client_name},\n\nThe activity statement for account {account_number} for "
        "{period} is now available in the Message Center.\n\nKind regards,\nClient Services",
        False,
    ),
    _MessageTemplate(
        "fee_schedule_change",
        "Changes to our commission schedule",
        "Dear {client_name},\n\nFrom {effective_date} the commissions charged to account "
        "{account_number} change as described in the attached schedule. No action is needed.",
        True,
    ),
    _MessageTemplate(
        "margin_notice",
        "Margin requirement notice",
        "Dear {client_name},\n\nAccount {account_number} is close to its maintenance margin "
        "requirement (excess liquidity {excess_liquidity} USD). Please add funds or reduce "
        "positions to avoid automatic liquidation.",
        True,
    ),
    _MessageTemplate(
        "corporate_action_notice",
        "Action may be required: voluntary corporate action",
        "Dear {client_name},\n\nAccount {account_number} holds {symbol}, which is subject to a "
        "voluntary corporate action. Submit your election before {deadline}.",
        False,
    ),
    _MessageTemplate(
        "tax_documents",
        "Your tax documents are available",
        "Dear {client_name},\n\nThe {tax_year} tax forms for account {account_number} are now "
        "available for download.",
        False,
    ),
)
VOLUNTARY_ACTIONS = (
    "Tender offer: the issuer offers to repurchase up to {shares} shares of {symbol} at "
    "USD {price} per share.",
    "Rights offering: holders of {symbol} may subscribe to 1 new share per {ratio} held at "
    "USD {price}.",
    "Dividend election: holders of {symbol} may take the dividend in cash or in new shares.",
)
MANDATORY_ACTIONS = (
    "{ratio}-for-1 forward stock split of {symbol}.",
    "Special cash dividend of USD {price} per share of {symbol}.",
    "Name and CUSIP change of {symbol}; no action required.",
)

# --------------------------------------------------------------------------- the event


@dataclass(frozen=True)
class SimulatedEvent:
    """One message for Kafka: the topic and the envelope it carries."""

    topic: Topic
    envelope: Envelope[Any]

    @property
    def key(self) -> bytes | None:
        key = self.envelope.payload.partition_key()
        return None if key is None else key.encode()

    @property
    def value(self) -> bytes:
        return self.envelope.model_dump_json().encode()

    @property
    def headers(self) -> list[tuple[str, bytes]]:
        return [("event-type", self.envelope.type.encode()), ("content-type", b"application/json")]

    @property
    def record(self) -> Record:
        return Record(self.topic.name, self.key, self.value, self.headers)


# --------------------------------------------------------------------------- state


@dataclass
class _Account:
    master: str
    number: str
    account_type: AccountType
    applicant: Applicant
    culture: str
    goal: ApplicationStage
    last_at: datetime
    stage: ApplicationStage | None = None
    schedule: list[tuple[datetime, ApplicationStage]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    cash: Decimal = ZERO
    holdings: dict[str, Decimal] = field(default_factory=dict)
    funded: bool = False
    invested: bool = False
    dirty: bool = False
    closed_on: date | None = None
    margin_type: str = "cash"  # the investor profile's (A11: deploy/simulator_margin.py)

    def market_value(self, symbol: str, prices: dict[str, float]) -> Decimal:
        return _money(float(self.holdings[symbol]) * prices[symbol])

    def nav(self, prices: dict[str, float]) -> Decimal:
        return self.cash + sum((self.market_value(s, prices) for s in self.holdings), ZERO)


def _money(amount: float | Decimal) -> Decimal:
    return Decimal(f"{amount:.2f}")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _is_business_day(day: date) -> bool:
    return day.weekday() < 5


_MOBILE = phonenumbers.PhoneNumberType.MOBILE
_E164 = phonenumbers.PhoneNumberFormat.E164
_ZONES = {m.master_account_id: m.time_zone for m in DEMO_MASTERS}


def _region_of(master: str) -> str:
    zone = _ZONES.get(master, "")
    if zone.startswith("Europe/"):
        return "CH"
    return "JP" if zone.startswith("Asia/") else "US"


def culture_for(master: str, rng: Random) -> str:
    """A culture (a key of CULTURES) drawn as the master's region's clients are."""
    weights = REGION_CULTURES[_region_of(master)]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Directory:
    """People, account numbers and identifiers: realistic and unique."""

    def __init__(self, rng: Random) -> None:
        self._rng = rng
        self._numbers: set[str] = set()
        self._emails: set[str] = set()
        self._usernames: set[str] = set()
        self._prefixes: dict[str, list[str]] = {}
        self._serial = rng.randrange(10_000_000, 80_000_000)

    def next_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial}"

    def account_number(self) -> str:
        while (number := f"U{self._rng.randrange(1_000_000, 10_000_000)}") in self._numbers:
            pass
        self._numbers.add(number)
        return number

    def applicant(self, culture_name: str) -> Applicant:
        culture = CULTURES[culture_name]
        first = self._rng.choice(culture.first_names)
        last = self._rng.choice(culture.last_names)
        return Applicant(
            first_name=first,
            last_name=last,
            email=self._email(first, last, culture),
            phone=self._phone(self._rng.choice(culture.regions)),
            username=self._username(first, last),
        )

    def _email(self, first: str, last: str, culture: _Culture) -> str:
        first_a, last_a = _ascii(first), _ascii(last)
        local = self._rng.choice((f"{first_a}.{last_a}", f"{first_a[0]}{last_a}", first_a + last_a))
        domain = self._rng.choice(culture.email_domains)
        email, n = f"{local}@{domain}", 1
        while email in self._emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self._emails.add(email)
        return email

    def _username(self, first: str, last: str) -> str:
        base = (_ascii(first)[:1] + _ascii(last))[:12]
        while (name := f"{base}{self._rng.randrange(100, 1000)}") in self._usernames:
            pass
        self._usernames.add(name)
        return name

    def _phone(self, region: str) -> str:
        """A random valid mobile number of ``region`` in E.164 (prefixes learnt as we go)."""
        example = phonenumbers.example_number_for_type(region, _MOBILE)
        if example is None:
            raise ValueError(f"no example mobile number for region {region!r}")
        size = len(str(example.national_number))
        known = self._prefixes.setdefault(region, [])
        for attempt in range(400):
            lead = self._rng.choice(known) if len(known) >= 8 and attempt < 50 else ""
            digits = lead + "".join(str(self._rng.randrange(10)) for _ in range(size - len(lead)))
            candidate = phonenumbers.PhoneNumber(
                country_code=example.country_code, national_number=int(digits)
            )
            if _is_mobile(candidate, region):
                if len(known) < 8:
                    known.append(digits[:3])
                return phonenumbers.format_number(candidate, _E164)
        return phonenumbers.format_number(example, _E164)


def _is_mobile(number: phonenumbers.PhoneNumber, region: str) -> bool:
    kind = phonenumbers.number_type(number)
    mobile = kind in (_MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return mobile and phonenumbers.is_valid_number_for_region(number, region)


class _Market:
    """Prices that follow a random walk with drift, one step per business day."""

    def __init__(self, rng: Random) -> None:
        self._rng = rng
        self.prices = {s.symbol: s.price * rng.uniform(0.95, 1.05) for s in SECURITIES}

    def step(self) -> None:
        market = self._rng.gauss(0.0004, 0.007)
        for security in SECURITIES:
            shock = self._rng.gauss(0.0, security.volatility)
            self.prices[security.symbol] *= math.exp(market * 0.8 + shock)

    def price(self, symbol: str) -> Decimal:
        return _money(self.prices[symbol])

    def pick(self, region: str, count: int) -> list[str]:
        home = [s.symbol for s in SECURITIES if s.market == region]
        other = [s.symbol for s in SECURITIES if s.market not in (region, "ETF")]
        funds = self._rng.sample(ETFS, k=min(count, self._rng.randint(1, 3)))
        stocks = self._rng.sample(home, k=min(len(home), self._rng.randint(1, 3)))
        return list(dict.fromkeys(funds + stocks + self._rng.sample(other, k=count)))[:count]


# --------------------------------------------------------------------------- the back office


class BackOffice:
    """A broker's back office for some master accounts: deterministic for a given seed.

    ``start`` is the simulated "today": the opening book covers the 30 days before it and
    ``next_day()`` simulates it (if a business day) and the business days after.
    """

    def __init__(
        self,
        masters: Sequence[str],
        clients_per_master: int,
        seed: int = 7,
        start: date | None = None,
    ) -> None:
        if not masters:
            raise ValueError("at least one master account is needed")
        self._rng = Random(seed)
        self._seed = seed
        self._masters = tuple(masters)
        self._clients = clients_per_master
        self._today = start or datetime.now(UTC).date()
        self._directory = _Directory(self._rng)
        self._market = _Market(self._rng)
        self._accounts: dict[str, list[_Account]] = {m: [] for m in self._masters}
        self._book: list[SimulatedEvent] | None = None
        self._day = self._today - timedelta(days=1)
        self._stream: Iterator[SimulatedEvent] | None = None
        self._planned: dict[date, list[_Job]] = {}

    # ---- public API

    def opening_book(self) -> list[SimulatedEvent]:
        """The month before ``start``: computed once, the same list on every call."""
        if self._book is None:
            self._book = self._build_book()
        return list(self._book)

    def next_day(self) -> list[SimulatedEvent]:
        """One more business day of activity (the opening book is built first if needed)."""
        self.opening_book()
        self._day += timedelta(days=1)
        while not _is_business_day(self._day):
            self._day += timedelta(days=1)
        return self._simulate_day(self._day, live=True)

    def take(self, n: int) -> list[SimulatedEvent]:
        """Exactly ``n`` events: the opening book first, then one day after another."""
        if self._stream is None:
            self._stream = self._events()
        return list(islice(self._stream, n))

    @property
    def today(self) -> date:
        """The last simulated day."""
        return self._day

    def __getstate__(self) -> dict[str, Any]:
        """A snapshot to continue from (``deploy/simulator_state.py``): the opening book, already
        published, is not kept (it stays built, as an empty list), nor is ``take()``'s stream."""
        state = dict(self.__dict__)
        state["_book"] = None if self._book is None else []
        state["_stream"] = None
        return state

    # ---- the opening book

    def _events(self) -> Iterator[SimulatedEvent]:
        yield from self.opening_book()
        while True:
            yield from self.next_day()

    def _build_book(self) -> list[SimulatedEvent]:
        begin = datetime.combine(self._today - timedelta(days=BOOK_DAYS), datetime.min.time(), UTC)
        for master in self._masters:
            for stage in self._book_stages():
                self._add_book_applicant(master, stage, begin)
        self._plan_notices()
        events: list[SimulatedEvent] = []
        for offset in range(BOOK_DAYS):
            day = begin.date() + timedelta(days=offset)
            events += self._simulate_day(day, live=False, last=offset == BOOK_DAYS - 1)
        return sorted(events, key=lambda e: e.envelope.occurred_at)

    def _book_stages(self) -> list[ApplicationStage]:
        n = self._clients
        if n < len(BOOK_STAGES):
            kinds = [stage for stage, _ in BOOK_STAGES]
            weights = [share for _, share in BOOK_STAGES]
            return self._rng.choices(kinds, weights=weights, k=n)
        counts = {s: max(1, round(share * n)) for s, share in BOOK_STAGES[:-1]}
        counts[ApplicationStage.OPEN] = n - sum(counts.values())
        stages = [s for s, count in counts.items() for _ in range(count)]
        self._rng.shuffle(stages)
        return stages

    def _add_book_applicant(self, master: str, reached: ApplicationStage, begin: datetime) -> None:
        """Schedule an application that has got as far as ``reached`` by the end of the book."""
        last = min(reached, ApplicationStage.OPEN, key=_rank)
        ladder = STAGE_ORDER[: _rank(last) + 1]
        steps = [self._rng.uniform(0.1, 3.5) for _ in ladder[1:]]
        room = (BOOK_DAYS - 7 if last is ApplicationStage.OPEN else BOOK_DAYS - 0.5) - sum(steps)
        at = begin + timedelta(days=self._rng.uniform(0, max(0.5, room)))
        goal = last if self._rng.random() < 0.5 else ApplicationStage.OPEN
        account = self._new_account(master, at, goal=goal)
        account.schedule.append((at, ApplicationStage.INVITED))
        for stage, step in zip(ladder[1:], steps, strict=True):
            at += timedelta(days=step)
            account.schedule.append((at, stage))
        if reached is ApplicationStage.CLOSED:
            remaining = (begin + timedelta(days=BOOK_DAYS - 1) - at).total_seconds() / 86400
            at += timedelta(days=self._rng.uniform(2, max(2.5, remaining)))
            account.schedule.append((at, ApplicationStage.CLOSED))

    def _new_account(self, master: str, at: datetime, *, goal: ApplicationStage) -> _Account:
        culture = culture_for(master, self._rng)
        types = list(ACCOUNT_TYPES)
        account_type = self._rng.choices(types, weights=[ACCOUNT_TYPES[t][0] for t in types])[0]
        account = _Account(
            master=master,
            number=self._directory.account_number(),
            account_type=account_type,
            applicant=self._directory.applicant(culture),
            culture=culture,
            goal=goal,
            last_at=at - timedelta(seconds=1),
        )
        self._accounts[master].append(account)
        return account

    # ---- one day

    def _simulate_day(self, day: date, *, live: bool, last: bool = False) -> list[SimulatedEvent]:
        out: list[SimulatedEvent] = []
        if live:
            self._progress_applications(day, out)
        self._run_schedules(day, out)
        if _is_business_day(day):
            self._market.step()
            self._margin_calls(day, out)
            for account in self._all_accounts():
                if account.stage is ApplicationStage.OPEN:
                    self._account_activity(account, day, out)
            for job in self._planned.pop(day, []):
                job(day, out)
            if live:
                self._daily_notices(day, out)
        self._end_of_day(day, out, all_positions=last)
        return sorted(out, key=lambda e: e.envelope.occurred_at)

    def _all_accounts(self) -> Iterator[_Account]:
        for accounts in self._accounts.values():
            yield from accounts

    def _run_schedules(self, day: date, out: list[SimulatedEvent]) -> None:
        for account in list(self._all_accounts()):
            while account.schedule and account.schedule[0][0].date() <= day:
                at, stage = account.schedule.pop(0)
                self._transition(account, stage, at, out)

    def _at(self, day: date, first_hour: float, last_hour: float) -> datetime:
        hours = self._rng.uniform(first_hour, last_hour)
        return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hours)

    # ---- lifecycle

    def _progress_applications(self, day: date, out: list[SimulatedEvent]) -> None:
        for master in self._masters:
            for _ in range(self._rng.randint(0, max(1, self._clients // 40))):
                goal = self._rng.choices(NEWCOMER_GOALS, weights=NEWCOMER_WEIGHTS)[0]
                account = self._new_account(master, self._at(day, 7, 9), goal=goal)
                account.schedule.append((self._at(day, 9, 20), ApplicationStage.INVITED))
        for account in list(self._all_accounts()):
            if not account.schedule:
                self._maybe_advance(account, day, out)

    def _maybe_advance(self, account: _Account, day: date, out: list[SimulatedEvent]) -> None:
        stage, roll = account.stage, self._rng.random()
        if stage is ApplicationStage.OPEN:
            if roll < 0.0015:
                self._transition(account, ApplicationStage.CLOSED, self._at(day, 14, 20), out)
        elif stage is ApplicationStage.CLOSED:
            if roll < 0.03:
                self._transition(account, ApplicationStage.OPEN, self._at(day, 13, 20), out)
        elif stage is ApplicationStage.PENDING and account.goal is ApplicationStage.OPEN:
            if roll < 0.4:
                self._complete_task(account, self._at(day, 8, 22), out)
        elif stage is not None and _rank(stage) < _rank(account.goal) and roll < 0.3:
            following = STAGE_ORDER[STAGE_ORDER.index(stage) + 1]
            self._transition(account, following, self._at(day, 8, 22), out)

    def _complete_task(self, account: _Account, at: datetime, out: list[SimulatedEvent]) -> None:
        if account.tasks:
            account.tasks.pop(self._rng.randrange(len(account.tasks)))
        if account.tasks:
            out.append(self._status(account, at))
        else:
            self._transition(account, ApplicationStage.OPEN, at, out)

    def _transition(
        self, account: _Account, stage: ApplicationStage, at: datetime, out: list[SimulatedEvent]
    ) -> None:
        previous, day = account.stage, at.date()
        if stage is ApplicationStage.CLOSED:
            self._wind_down(account, at, out)
            account.closed_on = day
        account.stage = stage
        account.tasks = self._tasks_for(account) if stage is ApplicationStage.PENDING else []
        if previous is ApplicationStage.CLOSED:
            account.funded = account.invested = False
            out.append(self._account_event(account, AccountReopened, at, reopened_on=day))
        out.append(self._status(account, at))
        if stage is ApplicationStage.OPEN and previous is not ApplicationStage.CLOSED:
            out.append(
                self._account_event(
                    account, AccountOpened, at, account_type=account.account_type, opened_on=day
                )
            )
            out += self._profile_events(account)
            out.append(self._investor_profile_event(account, out[-2].envelope.payload))  # holder
        if stage is ApplicationStage.CLOSED:
            out.append(self._account_event(account, AccountClosed, at, closed_on=day))

    def _status(self, account: _Account, at: datetime) -> SimulatedEvent:
        assert account.stage is not None
        return self._account_event(
            account,
            ApplicationStatusChanged,
            at,
            stage=account.stage,
            account_type=account.account_type,
            applicant=account.applicant,
            pending_tasks=list(account.tasks),
        )

    def _tasks_for(self, account: _Account) -> list[str]:
        us_person = (account.applicant.phone or "").startswith("+1")
        tax_form = "Sign W-9" if us_person else "Sign W-8BEN"
        choices = [*COMMON_TASKS, tax_form, *TYPE_TASKS.get(account.account_type, ())]
        return self._rng.sample(choices, k=self._rng.randint(1, 5))

    def _wind_down(self, account: _Account, at: datetime, out: list[SimulatedEvent]) -> None:
        """A client leaving moves the positions out (ACATS) and withdraws the cash; a margin
        loan is repaid first."""
        if account.cash < ZERO:
            repaid, account.cash = -account.cash, ZERO
            out.append(self._account_event(account, Deposit, at, amount=repaid, booked_on=at.date(),
                                           transaction_id=self._directory.next_id("T")))  # fmt: skip
        for symbol in list(account.holdings):
            quantity = account.holdings[symbol]
            out.append(self._transfer(account, symbol, quantity, CashDirection.OUT, at))
        if account.cash > ZERO:
            out.append(self._cash_flow(account, Withdrawal, account.cash, at, at.date()))

    # ---- transactions

    def _account_activity(self, account: _Account, day: date, out: list[SimulatedEvent]) -> None:
        if not account.funded:
            if self._rng.random() < 0.6:
                self._fund(account, day, out)
            return
        if not account.invested:
            self._invest(account, day, out)
            return
        self._routine(account, day, out)
        self._income(account, day, out)

    def _fund(self, account: _Account, day: date, out: list[SimulatedEvent]) -> None:
        median = ACCOUNT_TYPES[account.account_type][1]
        amount = self._rng.lognormvariate(math.log(median), 0.7)
        at = self._at(day, 13.5, 20)
        if account.account_type is AccountType.ROLLOVER_IRA and self._rng.random() < 0.7:
            for symbol in self._market.pick(_region_of(account.master), 3):
                quantity = Decimal(max(1, int(amount / 3 / self._market.prices[symbol])))
                out.append(self._transfer(account, symbol, quantity, CashDirection.IN, at))
            amount *= 0.05
        out.append(self._cash_flow(account, Deposit, _round_to(amount, 100), at, day))
        account.funded = True

    def _invest(self, account: _Account, day: date, out: list[SimulatedEvent]) -> None:
        symbols = self._market.pick(_region_of(account.master), self._rng.randint(3, 8))
        budget = account.cash * Decimal(self._rng.uniform(0.8, 0.97))
        budget *= self._desk.leverage(account.number, account.margin_type)  # margin: borrows
        weights = [self._rng.uniform(0.5, 2.0) for _ in symbols]
        for symbol, weight in zip(symbols, weights, strict=True):
            spend = budget * Decimal(weight / sum(weights))
            self._trade(account, symbol, TradeSide.BUY, spend, self._at(day, 13.5, 20), out)
        account.invested = True

    def _routine(self, account: _Account, day: date, out: list[SimulatedEvent]) -> None:
        roll, at = self._rng.random(), self._at(day, 13.5, 20)
        if roll < 0.02:
            amount = _round_to(self._rng.lognormvariate(math.log(5000), 0.9), 50)
            out.append(self._cash_flow(account, Deposit, amount, at, day))
        elif roll < 0.03 and account.cash > 1000:
            amount = _round_to(float(account.cash) * self._rng.uniform(0.05, 0.4), 50)
            out.append(self._cash_flow(account, Withdrawal, amount, at, day))
        elif roll < 0.09:
            self._rebalance(account, at, out)
        elif roll < 0.095:
            symbol = self._rng.choice([s.symbol for s in SECURITIES])
            quantity = Decimal(self._rng.randint(5, 400))
            out.append(self._transfer(account, symbol, quantity, CashDirection.IN, at))
        elif roll < 0.098 and account.holdings:
            symbol = self._rng.choice(list(account.holdings))
            quantity = max(Decimal(1), (account.holdings[symbol] / 2).quantize(Decimal(1)))
            out.append(self._transfer(account, symbol, quantity, CashDirection.OUT, at))
        elif roll < 0.102:
            self._internal_transfer(account, at, out)

    def _rebalance(self, account: _Account, at: datetime, out: list[SimulatedEvent]) -> None:
        room = self._spendable(account)  # the cash; on margin, up to the account's leverage
        if account.holdings and (room < 500 or self._rng.random() < 0.4):
            symbol = self._rng.choice(list(account.holdings))
            proceeds = account.market_value(symbol, self._market.prices)
            self._trade(account, symbol, TradeSide.SELL, proceeds * Decimal("0.3"), at, out)
        else:
            symbol = self._rng.choice(self._market.pick(_region_of(account.master), 4))
            spend = room * Decimal(self._rng.uniform(0.2, 0.8))
            self._trade(account, symbol, TradeSide.BUY, spend, at, out)

    def _trade(
        self,
        account: _Account,
        symbol: str,
        side: TradeSide,
        value: Decimal,
        at: datetime,
        out: list[SimulatedEvent],
    ) -> None:
        slippage = Decimal(self._rng.uniform(0.998, 1.002))
        price = (self._market.price(symbol) * slippage).quantize(CENT)
        quantity = (value / price).quantize(Decimal(1), rounding=ROUND_DOWN)
        if side is TradeSide.SELL:
            quantity = min(max(quantity, Decimal(1)), account.holdings.get(symbol, Decimal(0)))
        if quantity < 1 or price <= 0:
            return
        sign = 1 if side is TradeSide.BUY else -1
        self._hold(account, symbol, sign * quantity)
        account.cash -= sign * (quantity * price).quantize(CENT)
        out.append(
            self._account_event(
                account,
                TradeExecuted,
                at,
                trade_id=self._directory.next_id("E"),
                symbol=symbol,
                side=side,
                quantity=quantity,
                price=price,
                traded_on=at.date(),
            )
        )

    def _hold(self, account: _Account, symbol: str, change: Decimal) -> None:
        quantity = account.holdings.get(symbol, Decimal(0)) + change
        if quantity > 0:
            account.holdings[symbol] = quantity
        else:
            account.holdings.pop(symbol, None)
        account.dirty = True

    def _transfer(
        self,
        account: _Account,
        symbol: str,
        quantity: Decimal,
        direction: CashDirection,
        at: datetime,
    ) -> SimulatedEvent:
        value = _money(float(quantity) * self._market.prices[symbol])
        self._hold(account, symbol, quantity if direction is CashDirection.IN else -quantity)
        return self._account_event(
            account,
            PositionTransfer,
            at,
            transaction_id=self._directory.next_id("T"),
            direction=direction,
            symbol=symbol,
            quantity=quantity,
            market_value=value,
            method=self._rng.choice(("acats", "acats", "acats", "fop")),
            booked_on=at.date(),
        )

    def _cash_flow(
        self,
        account: _Account,
        kind: type[Deposit] | type[Withdrawal],
        amount: Decimal,
        at: datetime,
        day: date,
    ) -> SimulatedEvent:
        rejected = kind is Deposit and self._rng.random() < 0.02
        if not rejected:
            account.cash += amount if kind is Deposit else -amount
        return self._account_event(
            account,
            kind,
            at,
            transaction_id=self._directory.next_id("T"),
            amount=amount,
            method=self._rng.choice(("wire", "wire", "ach", "ach", "check")),
            status="rejected" if rejected else "completed",
            booked_on=day,
        )

    def _internal_transfer(
        self, account: _Account, at: datetime, out: list[SimulatedEvent]
    ) -> None:
        peers = [
            a
            for a in self._accounts[account.master]
            if a is not account and a.stage is ApplicationStage.OPEN and a.funded
        ]
        if not peers or account.cash < 1000:
            return
        peer = self._rng.choice(peers)
        amount = _round_to(float(account.cash) * self._rng.uniform(0.05, 0.5), 100)
        for payer, payee, sign in ((account, peer, -1), (peer, account, 1)):
            payer.cash += sign * amount
            out.append(
                self._account_event(
                    payer,
                    InternalTransfer,
                    at,
                    transaction_id=self._directory.next_id("T"),
                    counterparty_account=payee.number,
                    amount=sign * amount,
                    booked_on=at.date(),
                )
            )

    def _income(self, account: _Account, day: date, out: list[SimulatedEvent]) -> None:
        for symbol in list(account.holdings):
            dividend_yield = BY_SYMBOL[symbol].dividend_yield
            if dividend_yield and self._rng.random() < 1 / 63:
                amount = account.market_value(symbol, self._market.prices)
                amount = _money(float(amount) * dividend_yield / 4)
                if amount > 0:
                    account.cash += amount
                    out.append(
                        self._account_event(
                            account,
                            DividendPaid,
                            self._at(day, 11, 13),
                            symbol=symbol,
                            transaction_id=self._directory.next_id("T"),
                            amount=amount,
                            paid_on=day,
                        )
                    )
        if _first_business_day_of_month(day) and account.cash >= 1000:
            amount = _money(float(account.cash) * 0.045 / 12)
            account.cash += amount
            out.append(
                self._account_event(
                    account,
                    InterestPaid,
                    self._at(day, 11, 13),
                    transaction_id=self._directory.next_id("T"),
                    amount=amount,
                    paid_on=day,
                )
            )

    # ---- valuations

    def _end_of_day(self, day: date, out: list[SimulatedEvent], *, all_positions: bool) -> None:
        if _is_business_day(day):  # A10: the masters' benchmark (deploy/simulator_benchmarks.py)
            listed = {s.symbol: s.price for s in SECURITIES}
            out += [SimulatedEvent(topics.BENCHMARKS, e) for e in benchmark_envelopes(
                self._masters, day, self._market.prices, listed, seed=self._seed)]  # fmt: skip
            # A1: the masters' own accounts, sub-accounts excluded (deploy/simulator_masters.py)
            out += [SimulatedEvent(topics.ACCOUNT_VALUATIONS, e) for e in master_value_envelopes(
                self._masters, day, self._market.prices, listed, seed=self._seed)]  # fmt: skip
        for account in self._all_accounts():
            is_open = account.stage is ApplicationStage.OPEN and account.funded
            if (is_open and _is_business_day(day)) or account.closed_on == day:
                at = self._at(day, 22, 23)
                out.append(
                    self._account_event(
                        account,
                        NetAssetValueReported,
                        at,
                        as_of=day,
                        net_asset_value=account.nav(self._market.prices),
                    )
                )
            if account.dirty or (all_positions and is_open):
                out.append(self._positions(account, day))
            if is_open and _is_business_day(day) and account.margin_type != "cash":
                out.append(self._margin_report(account, day))

    def _positions(self, account: _Account, day: date) -> SimulatedEvent:
        account.dirty = False
        positions = [
            Position(
                symbol=s, quantity=q, market_value=account.market_value(s, self._market.prices)
            )
            for s, q in sorted(account.holdings.items())
        ]
        at = self._at(day, 23, 23.9)
        return self._account_event(account, PositionsReported, at, as_of=day, positions=positions)

    # ---- margin (A11): the desk of deploy/simulator_margin.py

    @property
    def _desk(self) -> MarginDesk:
        desk: MarginDesk | None = self.__dict__.get("_margin_desk")  # a state kept before A11
        if desk is None:
            desk = self.__dict__["_margin_desk"] = MarginDesk(getattr(self, "_seed", 7))
        return desk

    def _spendable(self, account: _Account) -> Decimal:
        held = sum((account.market_value(s, self._market.prices) for s in account.holdings), ZERO)
        return self._desk.spendable(account.number, account.margin_type, account.cash, held)

    def _margin_calls(self, day: date, out: list[SimulatedEvent]) -> None:
        """The day opens at the desk: house requirements raised or ended, and the margin calls
        of accounts in deficit met by a deposit or, at their deadline, by a sale."""
        leveraged: dict[str, Decimal] = {}
        for account in self._all_accounts():
            if account.stage is ApplicationStage.OPEN and account.cash < 0:
                for symbol in account.holdings:
                    value = account.market_value(symbol, self._market.prices)
                    leveraged[symbol] = leveraged.get(symbol, ZERO) + value
        self._desk.open_day(day, leveraged, MARGIN_SECURITIES)
        for account in self._all_accounts():
            remedy = self._desk.remedy(account.number, day)
            if remedy is None or account.stage is not ApplicationStage.OPEN:
                continue
            at = self._at(day, 13.5, 16)
            if remedy.symbol is None:
                out.append(self._cash_flow(account, Deposit, remedy.amount, at, day))
            elif remedy.symbol in account.holdings:
                self._trade(account, remedy.symbol, TradeSide.SELL, remedy.amount, at, out)

    def _margin_report(self, account: _Account, day: date) -> SimulatedEvent:
        at = max(self._at(day, 23, 23.9), account.last_at + timedelta(seconds=1))
        prices = self._market.prices
        positions = [(s, q, Decimal(f"{prices[s]:.4f}"), account.market_value(s, prices))
                     for s, q in sorted(account.holdings.items())]  # fmt: skip
        fields = self._desk.report(account.number, account.margin_type, account.cash, positions,
                                   MARGIN_SECURITIES, at)  # fmt: skip
        self._desk.note(account.number, fields, day)
        return self._account_event(account, MarginRequirementsReported, at, **fields)

    # ---- corporate actions, broker messages, security devices

    def _plan_notices(self) -> None:
        """Per master, in the book's last week: a mandatory and a voluntary corporate action,
        two broker messages and a device shipment or two."""
        week = (self._today - timedelta(days=k) for k in range(1, 8))
        days = [d for d in week if _is_business_day(d)]
        for master in self._masters:
            jobs: list[_Job] = [
                partial(self._corporate_action, master, kind) for kind in CorporateActionKind
            ]
            jobs += [
                partial(self._broker_message, master, template)
                for template in self._rng.sample(MESSAGE_TEMPLATES, k=2)
            ]
            jobs += [partial(self._ship_device, master) for _ in range(self._rng.randint(1, 2))]
            for job in jobs:
                self._planned.setdefault(self._rng.choice(days), []).append(job)

    def _daily_notices(self, day: date, out: list[SimulatedEvent]) -> None:
        for master in self._masters:
            if self._rng.random() < 0.04:
                kind = self._rng.choice(list(CorporateActionKind))
                self._corporate_action(master, kind, day, out)
            if self._rng.random() < 0.05:
                self._broker_message(master, self._rng.choice(MESSAGE_TEMPLATES), day, out)
            if self._rng.random() < 0.03:
                self._ship_device(master, day, out)

    def _holders(self, master: str, symbol: str | None = None) -> list[_Account]:
        return [
            a
            for a in self._accounts[master]
            if a.stage is ApplicationStage.OPEN
            and a.holdings
            and (symbol is None or symbol in a.holdings)
        ]

    def _corporate_action(
        self, master: str, kind: CorporateActionKind, day: date, out: list[SimulatedEvent]
    ) -> None:
        holders = self._holders(master)
        if not holders:
            return
        symbol = self._rng.choice(list(self._rng.choice(holders).holdings))
        ex_date = day + timedelta(days=self._rng.randint(10, 35))
        texts = VOLUNTARY_ACTIONS if kind is CorporateActionKind.VOLUNTARY else MANDATORY_ACTIONS
        description = self._rng.choice(texts).format(
            symbol=symbol,
            ratio=self._rng.choice((2, 3, 4, 10)),
            shares=f"{self._rng.randrange(5, 60) * 1_000_000:,}",
            price=(self._market.price(symbol) * Decimal("1.12")).quantize(CENT),
        )
        deadline = ex_date - timedelta(days=self._rng.randint(2, 7))
        event = CorporateActionAnnounced(
            action_id=self._directory.next_id("CA"),
            kind=kind,
            symbol=symbol,
            description=description,
            ex_date=ex_date,
            election_deadline=deadline if kind is CorporateActionKind.VOLUNTARY else None,
            affected_accounts=[a.number for a in self._holders(master, symbol)],
        )
        out.append(self._event(topics.CORPORATE_ACTIONS, event, master, self._at(day, 10, 12)))

    def _broker_message(
        self, master: str, template: _MessageTemplate, day: date, out: list[SimulatedEvent]
    ) -> None:
        recipients = self._message_recipients(master, template)
        if not recipients:
            return
        channels = [
            Channel.MESSAGE_CENTER,
            *self._rng.sample([Channel.EMAIL, Channel.BULLETIN], k=self._rng.randint(0, 2)),
        ]
        event = BrokerMessageIssued(
            message_id=self._directory.next_id("BM"),
            message_type=template.message_type,
            subject=template.subject,
            template=template.body,
            variables={a.number: self._variables(a, day) for a in recipients},
            recipient_accounts=[a.number for a in recipients],
            channels=channels,
            review_required=template.review_required or self._rng.random() < 0.2,
        )
        out.append(self._event(topics.BROKER_MESSAGES, event, master, self._at(day, 12, 16)))

    def _message_recipients(self, master: str, template: _MessageTemplate) -> list[_Account]:
        holders = self._holders(master)
        if template.message_type in ("margin_notice", "corporate_action_notice"):
            return self._rng.sample(holders, k=min(len(holders), self._rng.randint(1, 3)))
        return holders

    def _variables(self, account: _Account, day: date) -> dict[str, str]:
        symbols = sorted(account.holdings) or ["VTI"]
        return {
            "client_name": f"{account.applicant.first_name} {account.applicant.last_name}",
            "account_number": account.number,
            "period": (day.replace(day=1) - timedelta(days=1)).strftime("%B %Y"),
            "effective_date": (day + timedelta(days=30)).isoformat(),
            "excess_liquidity": f"{float(account.cash) * 0.05:,.2f}",
            "symbol": self._rng.choice(symbols),
            "deadline": (day + timedelta(days=14)).isoformat(),
            "tax_year": str(day.year - 1),
        }

    def _ship_device(self, master: str, day: date, out: list[SimulatedEvent]) -> None:
        accounts = [a for a in self._accounts[master] if a.stage is ApplicationStage.OPEN]
        if not accounts:
            return
        account = self._rng.choice(accounts)
        kind, prefix = self._rng.choice(DEVICES)
        out.append(
            self._account_event(
                account,
                SecurityDeviceShipped,
                self._at(day, 15, 18),
                request_id=self._directory.next_id("SDR"),
                device_kind=kind,
                serial_number=f"{prefix}{self._rng.randrange(10**8, 10**9)}",
                shipped_on=day,
            )
        )

    # ---- account profiles and devices (what account linkage learns from)

    def _profile_events(self, account: _Account) -> list[SimulatedEvent]:
        """On opening: the account's holder (some clients open a second account: same person,
        maybe another address or email), username, personal information, banking instructions,
        and the security device it holds. Drawn from a generator of the account's own, so the
        rest of the book is the same with or without them."""
        rng = Random(f"{getattr(self, '_seed', 7)}:{account.number}")
        holders: dict[str, str] = self.__dict__.setdefault("_profile_holders", {})
        sibling = None
        if rng.random() < SECOND_ACCOUNT_SHARE:
            earlier = [a for a in self._accounts[account.master]
                       if a.number in holders and a.stage is ApplicationStage.OPEN]  # fmt: skip
            sibling = rng.choice(earlier) if earlier else None
        if sibling is not None:
            holder = holders[sibling.number]
            person = sibling.applicant
            seed = getattr(self, "_seed", 7)
            address = (_address(Random(f"{seed}:{sibling.number}"), sibling)
                       if rng.random() < 0.5 else _address(rng, account))  # fmt: skip
            birth = _birth_date(Random(f"{seed}:{sibling.number}:dob"))
        else:
            holder, person = f"H{account.number[1:]}", account.applicant
            seed = getattr(self, "_seed", 7)
            address = _address(Random(f"{seed}:{account.number}"), account)
            birth = _birth_date(Random(f"{seed}:{account.number}:dob"))
        holders[account.number] = holder
        banks = BANKS.get(_region_of(account.master), BANKS["US"])
        instructions = [
            BankingInstruction(instruction_id=f"BI-{account.number}-{n}",
                               method=rng.choice(("ach", "wire")), bank_name=rng.choice(banks),
                               account_ending=f"{rng.randrange(10_000):04d}")
            for n in range(1, rng.randint(1, 2) + 1)
        ]  # fmt: skip
        profile = AccountProfileReported(
            account_number=account.number, holder_id=holder,
            username=account.applicant.username or f"user{account.number[1:]}",
            first_name=person.first_name, last_name=person.last_name,
            email=account.applicant.email, phone=person.phone, date_of_birth=birth,
            residential_address=address, banking_instructions=instructions, version=1,
        )  # fmt: skip
        kind = rng.choices(LINK_DEVICES, weights=LINK_DEVICE_WEIGHTS)[0]
        prefix = "".join(part[0] for part in kind.split("_")).upper()[:3]
        device = SecurityDeviceIssued(
            account_number=account.number, device_kind=kind,
            serial_number=f"{prefix}{rng.randrange(10**8, 10**9)}",
            issued_on=account.last_at.date(),
        )  # fmt: skip
        events = []
        for event in (profile, device):
            account.last_at += timedelta(seconds=rng.randint(1, 30))
            envelope = Envelope.wrap(event, master_account_id=account.master,
                                     occurred_at=account.last_at)  # fmt: skip
            event_id = UUID(int=rng.getrandbits(128), version=4)
            events.append(SimulatedEvent(topics.ACCOUNT_PROFILES,
                                         envelope.model_copy(update={"event_id": event_id})))  # fmt: skip
        return events

    def _investor_profile_event(
        self, account: _Account, holder: AccountProfileReported
    ) -> SimulatedEvent:
        """On opening, after the holder's profile: what the application collected about the
        investor (accounts.investor-profiles), consistent with the account type and the holder's
        age. Drawn from a generator of the account's own, like the holder's profile."""
        rng = Random(f"{getattr(self, '_seed', 7)}:{account.number}:investor")
        region = _region_of(account.master)
        born = holder.date_of_birth or _birth_date(rng)
        age = (account.last_at.date() - born).days // 365
        ira = account.account_type in (*RMD_ACCOUNT_TYPES, AccountType.ROTH_IRA)
        married = rng.random() < (0.75 if account.account_type is AccountType.JOINT else 0.5)
        spouse = None
        if married:  # a spouse over ten years younger now and then (the Joint Life table)
            spouse = born + timedelta(days=365 * rng.choice((-3, -1, 0, 2, 4, 6, 12, 15)))
        income = _round_to(rng.lognormvariate(11.6, 0.7), 1000)
        worth = _round_to(float(income) * rng.uniform(2, 15), 1000)
        extra = rng.sample(["options", "bonds", "futures", "forex"], k=rng.randint(0, 2))
        permissions = ["stocks", "funds", *extra]
        profile = InvestorProfile(
            application_type=APPLICATION_TYPE_OF.get(account.account_type, "organization"),
            margin_type="cash" if ira else rng.choices(MARGIN_TYPES, weights=(45, 45, 10))[0],
            base_currency=CURRENCY_OF[region], trading_permissions=permissions,
            citizenship=region, tax_residence=region, language=LANGUAGE_OF[region],
            marital_status="married" if married else rng.choice(("single", "divorced", "widowed")),
            dependents=rng.choice((0, 0, 1, 2, 3)), spouse_date_of_birth=spouse,
            spouse_sole_beneficiary=married and ira and rng.random() < 0.7,
            employment_status="retired" if age >= 67 else rng.choices(
                ("employed", "self_employed", "unemployed"), weights=(75, 20, 5))[0],
            occupation=rng.choice(OCCUPATIONS), annual_net_income=income, net_worth=worth,
            liquid_net_worth=_round_to(float(worth) * rng.uniform(0.2, 0.8), 1000),
            source_of_funds=rng.sample(("employment", "savings", "inheritance", "investments"), k=2),
            investment_objectives=rng.sample(("preservation", "income", "growth", "speculation"), k=2),
            risk_tolerance=rng.choice(("low", "moderate", "high")),
            time_horizon="short" if age >= 75 else rng.choice(("medium", "long")),
            stock_experience_years=rng.randint(0, 30), options_experience_years=rng.randint(0, 10),
            futures_experience_years=rng.choice((0, 0, 0, 2, 5)), professional=rng.random() < 0.05,
        )  # fmt: skip
        account.margin_type = profile.margin_type or "cash"
        account.last_at += timedelta(seconds=rng.randint(1, 30))
        event = InvestorProfileReported(
            account_number=account.number, as_of=account.last_at.date(), profile=profile
        )
        at = account.last_at
        envelope = Envelope.wrap(event, master_account_id=account.master, occurred_at=at)
        event_id = UUID(int=rng.getrandbits(128), version=4)
        return SimulatedEvent(
            topics.INVESTOR_PROFILES, envelope.model_copy(update={"event_id": event_id})
        )

    # ---- envelopes

    def _account_event(
        self, account: _Account, kind: type[Event], at: datetime, **fields: Any
    ) -> SimulatedEvent:
        """An event about one account, stamped after everything already said about it."""
        at = max(at, account.last_at + timedelta(seconds=self._rng.randint(1, 90)))
        account.last_at = at
        event = kind(account_number=account.number, **fields)
        return self._event(TOPIC_OF[kind], event, account.master, at)

    def _event(self, topic: Topic, event: Event, master: str, at: datetime) -> SimulatedEvent:
        envelope = Envelope.wrap(event, master_account_id=master, occurred_at=at)
        event_id = UUID(int=self._rng.getrandbits(128), version=4)
        return SimulatedEvent(topic, envelope.model_copy(update={"event_id": event_id}))


_Job = Callable[[date, list[SimulatedEvent]], None]

RMD_ACCOUNT_TYPES = (AccountType.TRADITIONAL_IRA, AccountType.ROLLOVER_IRA, AccountType.SEP_IRA)
APPLICATION_TYPE_OF = {
    AccountType.INDIVIDUAL: "individual", AccountType.JOINT: "joint", AccountType.TRUST: "trust",
    **{t: "ira" for t in (*RMD_ACCOUNT_TYPES, AccountType.ROTH_IRA)},
}  # fmt: skip
MARGIN_TYPES = ("cash", "reg_t_margin", "portfolio_margin")
CURRENCY_OF = {"US": "USD", "CH": "CHF", "JP": "JPY"}
LANGUAGE_OF = {"US": "en", "CH": "de", "JP": "ja"}
OCCUPATIONS = ("Engineer", "Physician", "Teacher", "Lawyer", "Business owner", "Accountant",
               "Consultant", "Nurse", "Architect", "Retired executive")  # fmt: skip
SECOND_ACCOUNT_SHARE = 0.15
"""Of the accounts that open, the share that is a second account of an existing client."""
LINK_DEVICES = ("security_code_card", "digital_security_card", "gold", "platinum", "alpine")
LINK_DEVICE_WEIGHTS = (40, 25, 15, 12, 8)
BANKS = {
    "US": ("Chase", "Bank of America", "Wells Fargo", "Citibank", "US Bank"),
    "CH": ("UBS", "Zürcher Kantonalbank", "PostFinance", "Raiffeisen"),
    "JP": ("MUFG Bank", "SMBC", "Mizuho Bank", "Japan Post Bank"),
}
STREETS = {
    "US": (("Main St", "Springfield", "IL", "62701"), ("Oak Ave", "Austin", "TX", "78701"),
           ("Park Ave", "New York", "NY", "10022"), ("Pine St", "Seattle", "WA", "98101")),
    "CH": (("Bahnhofstrasse", "Zürich", None, "8001"), ("Rue du Rhône", "Genève", None, "1204"),
           ("Marktgasse", "Bern", None, "3011")),
    "JP": (("Ginza", "Chuo-ku, Tokyo", None, "104-0061"), ("Umeda", "Kita-ku, Osaka", None,
                                                               "530-0001")),
}  # fmt: skip


def _address(rng: Random, account: _Account) -> ResidentialAddress:
    region = _region_of(account.master)
    street, city, state, postal = rng.choice(STREETS[region])
    return ResidentialAddress(street=f"{rng.randint(1, 400)} {street}", city=city, region=state,
                              postal_code=postal, country=region)  # fmt: skip


def _birth_date(rng: Random) -> date:
    return date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 62))


TOPIC_OF: dict[type[Event], Topic] = {
    ApplicationStatusChanged: topics.ACCOUNT_LIFECYCLE,
    AccountOpened: topics.ACCOUNT_LIFECYCLE,
    AccountClosed: topics.ACCOUNT_LIFECYCLE,
    AccountReopened: topics.ACCOUNT_LIFECYCLE,
    Deposit: topics.ACCOUNT_TRANSACTIONS,
    Withdrawal: topics.ACCOUNT_TRANSACTIONS,
    PositionTransfer: topics.ACCOUNT_TRANSACTIONS,
    InternalTransfer: topics.ACCOUNT_TRANSACTIONS,
    TradeExecuted: topics.ACCOUNT_TRANSACTIONS,
    DividendPaid: topics.ACCOUNT_TRANSACTIONS,
    InterestPaid: topics.ACCOUNT_TRANSACTIONS,
    NetAssetValueReported: topics.ACCOUNT_VALUATIONS,
    PositionsReported: topics.ACCOUNT_VALUATIONS,
    MarginRequirementsReported: topics.ACCOUNT_MARGIN,
    SecurityDeviceShipped: topics.SECURITY_DEVICES,
    AccountProfileReported: topics.ACCOUNT_PROFILES,
    SecurityDeviceIssued: topics.ACCOUNT_PROFILES,
}


def _rank(stage: ApplicationStage) -> int:
    return STAGE_ORDER.index(stage)


def _round_to(amount: float, step: int) -> Decimal:
    return _money(max(step, round(amount / step) * step))


def _first_business_day_of_month(day: date) -> bool:
    first = day.replace(day=1)
    while not _is_business_day(first):
        first += timedelta(days=1)
    return day == first


# --------------------------------------------------------------------------- Kafka


@contextlib.asynccontextmanager
async def producer(bootstrap_servers: str) -> AsyncIterator[AIOKafkaProducer]:
    """A plain producer (no idempotence: the embedded broker has no InitProducerId)."""
    kafka = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id="back-office-simulator",
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=256 * 1024,
    )
    await kafka.start()
    try:
        yield kafka
    finally:
        await kafka.stop()


async def send_all(
    kafka: AIOKafkaProducer, events: Iterable[SimulatedEvent], chunk: int = 2000
) -> int:
    """Send in order (per-key order is kept), awaiting deliveries a chunk at a time."""
    return await send_records(kafka, (event.record for event in events), chunk)


async def send_records(
    kafka: AIOKafkaProducer, records: Iterable[Record], chunk: int = 2000
) -> int:
    pending: list[asyncio.Future[Any]] = []
    sent = 0
    for record in records:
        pending.append(
            await kafka.send(
                record.topic, value=record.value, key=record.key, headers=record.headers
            )
        )
        if len(pending) >= chunk:
            sent += len(await asyncio.gather(*pending))
            pending.clear()
    sent += len(await asyncio.gather(*pending))
    await kafka.flush()
    return sent


async def publish(events: Iterable[SimulatedEvent], bootstrap_servers: str) -> None:
    async with producer(bootstrap_servers) as kafka:
        await send_all(kafka, events)


# --------------------------------------------------------------------------- command line


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.simulator", description=__doc__)
    parser.add_argument("--bootstrap-servers", required=True, help="HOST:PORT[,HOST:PORT]")
    parser.add_argument(
        "--masters",
        default=",".join(m.master_account_id for m in DEMO_MASTERS),
        help="comma-separated master account ids (default: the demo masters)",
    )
    parser.add_argument("--clients", type=int, default=120, help="opening-book clients per master")
    parser.add_argument("--days-per-minute", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--once", action="store_true", help="publish the opening book and exit")
    parser.add_argument("--count", type=int, help="publish exactly N events as fast as possible")
    parser.add_argument(
        "--state-dir", type=Path, help="keep the state here and continue from it on the next run"
    )
    return parser.parse_args(argv)


async def _run_count(office: BackOffice, bootstrap: str, count: int) -> None:
    began = time.perf_counter()
    events = office.take(count)
    generated = time.perf_counter()
    async with producer(bootstrap) as kafka:
        started = time.perf_counter()
        sent = await send_all(kafka, events)
        elapsed = time.perf_counter() - started
    rate = sent / elapsed if elapsed else float("inf")
    log.info("published", events=sent, seconds=round(elapsed, 3), events_per_second=round(rate))
    print(
        f"{sent} events in {elapsed:.2f}s: {rate:,.0f} events/s "
        f"(generated in {generated - began:.2f}s)"
    )


async def _run_live(office: BackOffice, bootstrap: str, args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    interval = 60.0 / args.days_per_minute
    state = SimulatorState(args.state_dir) if args.state_dir else None
    resumed = state.load() if state else None
    async with producer(bootstrap) as kafka:
        live = LiveRun(kafka, state, await cluster_id(bootstrap))
        if resumed:
            office, live.next_batch = resumed.office, resumed.next_batch
            log.info("simulator resuming", through=office.today.isoformat())
            await live.resend_if_new_broker(resumed.cluster_id)
        else:
            sent = await live.publish(office, office.opening_book())
            log.info("opening book published", events=sent, through=office.today.isoformat())
        # Full Service requests (C12) are answered by the desk (deploy/simulator_requests.py)
        desk = (
            None
            if args.once
            else asyncio.create_task(
                answer_requests(bootstrap, kafka, lambda: office, interval, stop)
            )
        )
        while not args.once and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
                break
            sent = await live.publish(office, office.next_day())
            log.info("day published", day=office.today.isoformat(), events=sent)
        if desk is not None:
            await desk
    log.info("simulator stopped")


class LiveRun:
    """Publishing batch after batch, each kept in the state (when there is one) before it goes
    and recorded as sent after."""

    def __init__(
        self, kafka: AIOKafkaProducer, state: SimulatorState | None, broker: str | None
    ) -> None:
        self.kafka = kafka
        self.state = state
        self.broker = broker
        self.next_batch = 0

    async def publish(self, office: BackOffice, events: Sequence[SimulatedEvent]) -> int:
        records = [event.record for event in events]
        if self.state:
            self.state.write_batch(self.next_batch, records)
        sent = await send_records(self.kafka, records)
        self.next_batch += 1
        if self.state:
            self.state.save(office, cluster_id=self.broker, next_batch=self.next_batch)
        return sent

    async def resend_if_new_broker(self, published_to: str | None) -> None:
        """A broker other than the last one (the embedded broker after a restart) never got
        the kept batches: they go again, and the consumers' inboxes drop what they had."""
        if self.state is None or self.broker is None or published_to == self.broker:
            return
        sent = await send_records(self.kafka, self.state.kept_records())
        log.info("a new broker: the last batches sent again", events=sent)


async def main(argv: Sequence[str] | None = None) -> None:
    from services.runtime.broker import ensure_topics
    from services.runtime.logging import configure_logging

    args = _parse(argv)
    configure_logging(service="simulator", json_logs=False)
    masters = [m.strip() for m in args.masters.split(",") if m.strip()]
    await ensure_topics(args.bootstrap_servers, partitions=3)
    office = BackOffice(masters, args.clients, seed=args.seed)
    log.info("simulator starting", masters=masters, clients=args.clients, seed=args.seed)
    if args.count is not None:
        await _run_count(office, args.bootstrap_servers, args.count)
    else:
        await _run_live(office, args.bootstrap_servers, args)


if __name__ == "__main__":
    asyncio.run(main())
