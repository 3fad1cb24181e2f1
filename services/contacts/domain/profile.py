"""The full profile of a contact (C3): one validated model per section of the profile form.

Every field is optional (a prospect may be saved with a first and last name only); the rules a
person would expect are checked where the data allows it, each error located at the field it is
about. Store a profile with ``profile.model_dump(mode="json", exclude_none=True)`` and read it
back with ``Profile.model_validate(data)``.

``PROFILE_COLUMNS`` is the one list of flat column names used by the import template, the import
and the exports; ``flatten``/``unflatten`` convert between it and the model, and
``changed_paths`` lists the changed leaves for the audit trail.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, NamedTuple, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contracts.accounts import AccountType
from services.contacts.domain.profile_types import (
    BirthDate,
    Country,
    CurrencyCode,
    Language,
    Money,
    canonical_codes,
    clean_value,
    code_parser,
    describe_codes,
    national_to_e164,
    normalize_postal_code,
    normalize_subdivision,
    to_country,
    to_e164,
)
from services.contacts.domain.tax_ids import TaxIdType, normalize_tax_id

# --- codes --------------------------------------------------------------------------------


class Salutation(StrEnum):
    MR = "Mr"
    MRS = "Mrs"
    MS = "Ms"
    MX = "Mx"
    DR = "Dr"
    PROF = "Prof"


class W8W9Form(StrEnum):
    W9 = "w9"
    W8BEN = "w8ben"
    W8BENE = "w8bene"
    NONE = "none"


class EmploymentStatus(StrEnum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    RETIRED = "retired"
    STUDENT = "student"
    UNEMPLOYED = "unemployed"
    HOMEMAKER = "homemaker"


class SourceOfFunds(StrEnum):
    EMPLOYMENT_INCOME = "employment_income"
    SAVINGS = "savings"
    INVESTMENTS = "investments"
    INHERITANCE = "inheritance"
    BUSINESS = "business"
    PENSION = "pension"
    GIFT = "gift"
    SALE_OF_PROPERTY = "sale_of_property"
    OTHER = "other"


class InvestmentObjective(StrEnum):
    PRESERVATION = "preservation"
    INCOME = "income"
    GROWTH = "growth"
    SPECULATION = "speculation"
    HEDGING = "hedging"


class Product(StrEnum):
    STOCKS = "stocks"
    BONDS = "bonds"
    OPTIONS = "options"
    FUTURES = "futures"
    FOREX = "forex"
    FUNDS = "funds"


class Knowledge(StrEnum):
    NONE = "none"
    LIMITED = "limited"
    GOOD = "good"
    EXTENSIVE = "extensive"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class MarketingSource(StrEnum):
    REFERRAL = "referral"
    WEBSITE = "website"
    SEMINAR = "seminar"
    ADVERTISEMENT = "advertisement"
    SOCIAL_MEDIA = "social_media"
    EXISTING_CLIENT = "existing_client"
    OTHER = "other"


describe_codes(
    {
        Salutation.MR: "Mister",
        Salutation.MRS: "Missus",
        Salutation.MS: "Ms",
        Salutation.MX: "Mx (gender-neutral)",
        Salutation.DR: "Doctor",
        Salutation.PROF: "Professor",
        TaxIdType.SSN: "US Social Security Number",
        TaxIdType.ITIN: "US Individual Taxpayer Identification Number",
        TaxIdType.EIN: "US Employer Identification Number",
        TaxIdType.FOREIGN_TIN: "Foreign (non-US) taxpayer identification number",
        W8W9Form.W9: "W-9 (US person)",
        W8W9Form.W8BEN: "W-8BEN (foreign individual)",
        W8W9Form.W8BENE: "W-8BEN-E (foreign entity)",
        W8W9Form.NONE: "No form on file",
        EmploymentStatus.SELF_EMPLOYED: "Self-employed",
        Knowledge.NONE: "No knowledge",
        Product.FOREX: "Forex (currencies)",
        Product.FUNDS: "Mutual funds and ETFs",
        AccountType.TRADITIONAL_IRA: "Traditional IRA",
        AccountType.ROTH_IRA: "Roth IRA",
        AccountType.ROLLOVER_IRA: "Rollover IRA",
        AccountType.SEP_IRA: "SEP IRA",
    }
)

SalutationCode = Annotated[Salutation, BeforeValidator(code_parser(Salutation))]
TaxIdTypeCode = Annotated[TaxIdType, BeforeValidator(code_parser(TaxIdType))]
W8W9FormCode = Annotated[W8W9Form, BeforeValidator(code_parser(W8W9Form))]
EmploymentStatusCode = Annotated[EmploymentStatus, BeforeValidator(code_parser(EmploymentStatus))]
KnowledgeCode = Annotated[Knowledge, BeforeValidator(code_parser(Knowledge))]
AccountTypeCode = Annotated[AccountType, BeforeValidator(code_parser(AccountType))]
PriorityCode = Annotated[Priority, BeforeValidator(code_parser(Priority))]
MarketingSourceCode = Annotated[MarketingSource, BeforeValidator(code_parser(MarketingSource))]
SourceOfFundsCode = Annotated[SourceOfFunds, BeforeValidator(code_parser(SourceOfFunds))]
ObjectiveCode = Annotated[InvestmentObjective, BeforeValidator(code_parser(InvestmentObjective))]
ProductCode = Annotated[Product, BeforeValidator(code_parser(Product))]
# lists of codes are used as sets (see canonical_codes)
SourcesOfFunds = Annotated[list[SourceOfFundsCode], Field(max_length=50)]
InvestmentObjectives = Annotated[list[ObjectiveCode], Field(max_length=50)]
Products = Annotated[list[ProductCode], Field(max_length=50)]
Name = Annotated[str, Field(max_length=100)]
Text200 = Annotated[str, Field(max_length=200)]
Phone = Annotated[str, Field(max_length=40)]

# --- sections -----------------------------------------------------------------------------


class Section(BaseModel):
    """Base of every profile section: strict keys, stripped text, blank means absent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return clean_value(value)

    def is_empty(self) -> bool:
        return all(value is None for value in self.__dict__.values())


class ContactInfo(Section):
    salutation: SalutationCode | None = None
    first_name: Name | None = None
    middle_name: Name | None = None
    last_name: Name | None = None
    suffix: Annotated[str, Field(max_length=20)] | None = None
    email: EmailStr | None = None
    secondary_email: EmailStr | None = None
    mobile_phone: Phone | None = None
    home_phone: Phone | None = None
    work_phone: Phone | None = None
    date_of_birth: BirthDate | None = None
    citizenship: Country | None = None
    preferred_language: Language | None = None

    @field_validator("mobile_phone", "home_phone", "work_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else to_e164(value)

    @field_validator("secondary_email")
    @classmethod
    def _second_email(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value.lower() == str(info.data.get("email") or "").lower():
            raise ValueError("is the same as the email")
        return value


class ResidentialAddress(Section):
    country: Country | None = None
    street_line_1: Text200 | None = None
    street_line_2: Text200 | None = None
    city: Name | None = None
    state_province: Name | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None

    @field_validator("state_province")
    @classmethod
    def _state(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or "country" not in info.data:
            return value
        return normalize_subdivision(value, info.data["country"])

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or "country" not in info.data:
            return value
        return normalize_postal_code(value, info.data["country"])


class TaxInfo(Section):
    tax_residence_country: Country | None = None
    tax_id_type: TaxIdTypeCode | None = None
    tax_id: Annotated[str, Field(max_length=40)] | None = None
    w8_w9_form: W8W9FormCode | None = None

    @field_validator("tax_id")
    @classmethod
    def _tax_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not {"tax_residence_country", "tax_id_type"} <= info.data.keys():
            return value
        country, kind = info.data["tax_residence_country"], info.data["tax_id_type"]
        if kind is None and country in (None, "US"):
            raise ValueError("give the tax id type (ssn, itin, ein or foreign_tin)")
        return normalize_tax_id(value, kind or TaxIdType.FOREIGN_TIN, country)

    @field_validator("w8_w9_form")
    @classmethod
    def _form(cls, value: W8W9Form | None, info: ValidationInfo) -> W8W9Form | None:
        if value is W8W9Form.W9 and _tax_id_type(info.data) is TaxIdType.FOREIGN_TIN:
            raise ValueError("a W-9 is for US persons; a foreign TIN goes with a W-8BEN/W-8BEN-E")
        is_w8 = value in (W8W9Form.W8BEN, W8W9Form.W8BENE)
        if is_w8 and info.data.get("tax_residence_country") == "US":
            raise ValueError("W-8 forms are for non-US persons; a US tax resident gives a W-9")
        return value

    @model_validator(mode="after")
    def _infer_type(self) -> TaxInfo:
        self.tax_id_type = _tax_id_type(self.__dict__)
        return self


def _tax_id_type(data: Mapping[str, Any]) -> TaxIdType | None:
    """The given tax id type, or foreign_tin for an untyped id of a non-US tax resident."""
    kind = data.get("tax_id_type")
    if (
        kind is None
        and data.get("tax_id")
        and data.get("tax_residence_country") not in (None, "US")
    ):
        return TaxIdType.FOREIGN_TIN
    return kind


EMPLOYER_REQUIRED = frozenset({EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED})


class Employment(Section):
    status: EmploymentStatusCode | None = None
    employer: Text200 | None = Field(default=None, validate_default=True)
    occupation: Name | None = None
    employer_business: Text200 | None = None
    employer_country: Country | None = None

    @field_validator("employer")
    @classmethod
    def _employer(cls, value: str | None, info: ValidationInfo) -> str | None:
        status = info.data.get("status")
        if value is None and status in EMPLOYER_REQUIRED:
            raise ValueError(f"the employer is required when the status is {status.value}")
        return value


class Financial(Section):
    annual_net_income: Money | None = None
    net_worth: Money | None = None
    liquid_net_worth: Money | None = None
    currency: CurrencyCode | None = None
    source_of_funds: SourcesOfFunds | None = None
    investment_objectives: InvestmentObjectives | None = None

    @field_validator("liquid_net_worth")
    @classmethod
    def _liquid(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        net_worth = info.data.get("net_worth")
        if value is not None and net_worth is not None and value > net_worth:
            raise ValueError(f"the liquid net worth exceeds the net worth ({net_worth})")
        return value

    @field_validator("source_of_funds", "investment_objectives")
    @classmethod
    def _as_set(cls, value: list[Any] | None) -> list[Any] | None:
        return canonical_codes(value)


class ProductExperience(Section):
    years_experience: Annotated[int, Field(ge=0, le=80)] | None = None
    trades_per_year: Annotated[int, Field(ge=0, le=100_000)] | None = None
    knowledge: KnowledgeCode | None = None


PERMISSION_NEEDS_KNOWLEDGE = (Product.OPTIONS, Product.FUTURES)


class TradingExperience(Section):
    stocks: ProductExperience | None = None
    bonds: ProductExperience | None = None
    options: ProductExperience | None = None
    futures: ProductExperience | None = None
    forex: ProductExperience | None = None
    funds: ProductExperience | None = None
    permissions: Products | None = None

    @field_validator("permissions")
    @classmethod
    def _permissions(cls, value: list[Product] | None, info: ValidationInfo) -> Any:
        value = canonical_codes(value)
        for product in PERMISSION_NEEDS_KNOWLEDGE:
            if value and product in value and product.value in info.data:
                experience = info.data[product.value]
                knowledge = experience.knowledge if experience else None
                if knowledge in (None, Knowledge.NONE):
                    raise ValueError(
                        f"{product.value} may be permitted only with at least limited "
                        f"{product.value} knowledge (it is {knowledge or 'not given'})"
                    )
        return value

    @model_validator(mode="after")
    def _drop_empty(self) -> TradingExperience:
        for product in Product:
            experience = getattr(self, product.value)
            if experience is not None and experience.is_empty():
                setattr(self, product.value, None)
        return self


class ProspectInfo(Section):
    account_type: AccountTypeCode | None = None
    priority: PriorityCode | None = None
    marketing_source: MarketingSourceCode | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None


PHONE_FIELDS = ("mobile_phone", "home_phone", "work_phone")


class Profile(BaseModel):
    """The whole profile; absent or empty sections are ``None``."""

    model_config = ConfigDict(extra="forbid")

    contact: ContactInfo | None = None
    address: ResidentialAddress | None = None
    tax: TaxInfo | None = None
    employment: Employment | None = None
    financial: Financial | None = None
    trading: TradingExperience | None = None
    prospect: ProspectInfo | None = None

    @model_validator(mode="before")
    @classmethod
    def _national_phones(cls, data: Any) -> Any:
        """Read national phone numbers in the residential country's numbering plan."""
        if not isinstance(data, Mapping) or not isinstance(data.get("contact"), Mapping):
            return data
        region = _residential_country(data.get("address"))
        if region is None:
            return data
        contact = dict(data["contact"])
        for name in PHONE_FIELDS:
            contact[name] = national_to_e164(contact.get(name), region)
        return {**data, "contact": contact}

    @model_validator(mode="after")
    def _drop_empty(self) -> Profile:
        for name in type(self).model_fields:
            section = getattr(self, name)
            if section is not None and section.is_empty():
                setattr(self, name, None)
        return self


def _residential_country(address: Any) -> str | None:
    if isinstance(address, ResidentialAddress):
        return address.country
    if not isinstance(address, Mapping) or not isinstance(address.get("country"), str):
        return None
    try:
        return to_country(address["country"])
    except ValueError:
        return None


# --- leaves and paths ---------------------------------------------------------------------


def _unwrap(annotation: Any) -> Iterator[Any]:
    """Every type and ``Annotated`` metadata item inside an annotation."""
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from annotation.__metadata__
        yield from _unwrap(get_args(annotation)[0])
    elif origin in (Union, types.UnionType, list):
        if origin is list:
            yield list
        for arg in get_args(annotation):
            yield from _unwrap(arg)
    else:
        yield annotation


def _section_type(annotation: Any) -> type[BaseModel] | None:
    for item in _unwrap(annotation):
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _leaf_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, info in model.model_fields.items():
        nested = _section_type(info.annotation)
        if nested is None:
            yield prefix + name, info.annotation
        else:
            yield from _leaf_fields(nested, f"{prefix}{name}.")


LEAF_TYPES: dict[str, Any] = dict(_leaf_fields(Profile))
"""Dotted path of every leaf of the profile -> its annotation."""


def annotation_parts(path: str) -> list[Any]:
    """The types and ``Annotated`` metadata of a leaf (e.g. ``[BeforeValidator(...), str]``)."""
    return list(_annotation_parts(path))


@cache
def _annotation_parts(path: str) -> tuple[Any, ...]:
    return tuple(_unwrap(LEAF_TYPES[path]))


def before_validators(path: str) -> list[Any]:
    """The functions of the ``BeforeValidator``s of a leaf's type."""
    return [item.func for item in annotation_parts(path) if isinstance(item, BeforeValidator)]


def is_list_path(path: str) -> bool:
    return list in _annotation_parts(path)


def code_enum(path: str) -> type[StrEnum] | None:
    """The code enum of a leaf, if it holds codes."""
    for func in before_validators(path):
        enum = getattr(func, "code_enum", None)
        if enum is not None:
            return enum
    return None


def value_at(profile: Profile, path: str) -> Any:
    value: Any = profile
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value


def plain(value: Any) -> Any:
    """A JSON-ready form of a leaf value (for the audit trail)."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def changed_paths(before: Profile, after: Profile) -> dict[str, tuple[Any, Any]]:
    """Dotted path -> (old, new) of every leaf that differs, values JSON-ready."""
    changes: dict[str, tuple[Any, Any]] = {}
    for path in LEAF_TYPES:
        old, new = value_at(before, path), value_at(after, path)
        if old != new:
            changes[path] = (plain(old), plain(new))
    return changes


# --- flat columns -------------------------------------------------------------------------


class ProfileColumn(NamedTuple):
    name: str
    path: str
    label: str
    description: str
    example: str


_C = ProfileColumn

_CONTACT_COLUMNS = (
    _C("salutation", "contact.salutation", "Salutation", "Mr, Mrs, Ms, Mx, Dr or Prof", "Ms"),
    _C("first_name", "contact.first_name", "First name", "Required", "Jane"),
    _C("middle_name", "contact.middle_name", "Middle name", "", "Ann"),
    _C("last_name", "contact.last_name", "Last name", "Required", "Doe"),
    _C("suffix", "contact.suffix", "Suffix", "Jr., Sr., III, ...", "Jr."),
    _C("email", "contact.email", "Email", "Email address", "jane.doe@example.com"),
    _C("secondary_email", "contact.secondary_email", "Secondary email", "", "jd@example.org"),
    _C(
        "mobile_phone",
        "contact.mobile_phone",
        "Mobile phone",
        "+country code and number; a national number is read in the residential country",
        "+1 201 555 0123",
    ),
    _C("home_phone", "contact.home_phone", "Home phone", "As mobile phone", "+1 201 555 0124"),
    _C("work_phone", "contact.work_phone", "Work phone", "As mobile phone", "+1 201 555 0125"),
    _C("date_of_birth", "contact.date_of_birth", "Date of birth", "YYYY-MM-DD", "1980-05-17"),
    _C("citizenship", "contact.citizenship", "Citizenship", "ISO country code", "US"),
    _C(
        "preferred_language",
        "contact.preferred_language",
        "Preferred language",
        "ISO 639-1 language code",
        "en",
    ),
)

_ADDRESS_COLUMNS = (
    _C("street_line_1", "address.street_line_1", "Street", "", "123 Main Street"),
    _C("street_line_2", "address.street_line_2", "Street (line 2)", "", "Apt 4B"),
    _C("city", "address.city", "City", "", "Hoboken"),
    _C(
        "state_province",
        "address.state_province",
        "State/province",
        "Code or name; checked for US, CA, AU, MX, BR and IN",
        "NJ",
    ),
    _C(
        "postal_code",
        "address.postal_code",
        "Postal code",
        "Checked for US, CA, GB, JP and more; format the column as text",
        "07030",
    ),
    _C("country", "address.country", "Country", "ISO country code of residence", "US"),
)

_TAX_COLUMNS = (
    _C(
        "tax_residence_country",
        "tax.tax_residence_country",
        "Tax residence country",
        "ISO country code",
        "US",
    ),
    _C("tax_id_type", "tax.tax_id_type", "Tax id type", "ssn, itin, ein or foreign_tin", "ssn"),
    _C(
        "tax_id",
        "tax.tax_id",
        "Tax id",
        "Checked for the tax id type / tax residence country",
        "536-90-4399",
    ),
    _C("w8_w9_form", "tax.w8_w9_form", "W-8/W-9 form", "w9, w8ben, w8bene or none", "w9"),
)

_EMPLOYMENT_COLUMNS = (
    _C("employment_status", "employment.status", "Employment status", "See Codes", "employed"),
    _C(
        "employer",
        "employment.employer",
        "Employer",
        "Required when employed or self-employed",
        "Acme Corp",
    ),
    _C("occupation", "employment.occupation", "Occupation", "", "Engineer"),
    _C(
        "employer_business",
        "employment.employer_business",
        "Employer's business",
        "Nature of the business",
        "Manufacturing",
    ),
    _C("employer_country", "employment.employer_country", "Employer country", "ISO code", "US"),
)

_FINANCIAL_COLUMNS = (
    _C(
        "annual_net_income",
        "financial.annual_net_income",
        "Annual net income",
        "Amount, no currency sign",
        "150000",
    ),
    _C("net_worth", "financial.net_worth", "Net worth", "Amount", "900000"),
    _C(
        "liquid_net_worth",
        "financial.liquid_net_worth",
        "Liquid net worth",
        "Amount, at most the net worth",
        "400000",
    ),
    _C("currency", "financial.currency", "Currency", "ISO 4217 code of the amounts", "USD"),
    _C(
        "source_of_funds",
        "financial.source_of_funds",
        "Source of funds",
        "One or more codes separated by commas",
        "employment_income, savings",
    ),
    _C(
        "investment_objectives",
        "financial.investment_objectives",
        "Investment objectives",
        "One or more codes separated by commas",
        "growth, income",
    ),
)


def _trading_columns() -> tuple[ProfileColumn, ...]:
    columns: list[ProfileColumn] = []
    for product in Product:
        name, path, label = product.value, f"trading.{product.value}", product.value.capitalize()
        columns += [
            _C(f"{name}_years", f"{path}.years_experience", f"{label}: years", "0-80", "5"),
            _C(
                f"{name}_trades_per_year",
                f"{path}.trades_per_year",
                f"{label}: trades per year",
                "0-100000",
                "20",
            ),
            _C(
                f"{name}_knowledge",
                f"{path}.knowledge",
                f"{label}: knowledge",
                "none, limited, good or extensive",
                "good",
            ),
        ]
    columns.append(
        _C(
            "trading_permissions",
            "trading.permissions",
            "Trading permissions",
            "Products the client may trade, separated by commas; options and futures "
            "need at least limited knowledge",
            "stocks, funds",
        )
    )
    return tuple(columns)


_PROSPECT_COLUMNS = (
    _C("account_type", "prospect.account_type", "Account type", "See Codes", "individual"),
    _C("priority", "prospect.priority", "Priority", "low, medium or high", "high"),
    _C(
        "marketing_source",
        "prospect.marketing_source",
        "Marketing source",
        "See Codes",
        "referral",
    ),
    _C("notes", "prospect.notes", "Notes", "Up to 2000 characters", "Met at the spring seminar"),
)

PROFILE_COLUMNS: tuple[ProfileColumn, ...] = (
    *_CONTACT_COLUMNS,
    *_ADDRESS_COLUMNS,
    *_TAX_COLUMNS,
    *_EMPLOYMENT_COLUMNS,
    *_FINANCIAL_COLUMNS,
    *_trading_columns(),
    *_PROSPECT_COLUMNS,
)
"""(column name, dotted path, label, description, example) of every profile leaf, in form order."""

REQUIRED_COLUMNS = ("first_name", "last_name")
COLUMN_BY_NAME: dict[str, ProfileColumn] = {column.name: column for column in PROFILE_COLUMNS}
COLUMN_BY_PATH: dict[str, ProfileColumn] = {column.path: column for column in PROFILE_COLUMNS}

SECTION_TITLES = {
    "contact": "Contact information",
    "address": "Residential address",
    "tax": "Tax information",
    "employment": "Employment",
    "financial": "Financial information",
    "trading": "Trading experience and permissions",
    "prospect": "Prospect information",
}

_LIST_SEPARATORS = re.compile(r"[,;\n]")


def cell_value(value: Any) -> Any:
    """A leaf value as a spreadsheet cell holds it: codes as text, lists comma-separated."""
    if isinstance(value, list):
        return ", ".join(plain(item) for item in value)
    if isinstance(value, StrEnum):
        return value.value
    return value


_COLUMN_STEPS = tuple((column.name, tuple(column.path.split("."))) for column in PROFILE_COLUMNS)


def flatten(profile: Profile) -> dict[str, Any]:
    """Column name -> cell value (None when empty) for every column of ``PROFILE_COLUMNS``."""
    row: dict[str, Any] = {}
    for name, steps in _COLUMN_STEPS:  # ``value_at`` with the paths split once
        value: Any = profile
        for step in steps:
            value = getattr(value, step, None)
            if value is None:
                break
        row[name] = cell_value(value)
    return row


def unflatten(row: Mapping[str, Any]) -> Profile:
    """The profile of a flat row keyed by column name; raises pydantic ``ValidationError``.

    Blank cells are absent values; list columns accept codes separated by , ; or new lines.
    Error locations are dotted paths; ``column_for_error`` turns them into column names.
    """
    unknown = set(row) - COLUMN_BY_NAME.keys()
    if unknown:
        raise KeyError(f"unknown profile columns: {', '.join(sorted(unknown))}")
    nested: dict[str, Any] = {}
    for name, value in row.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        path = COLUMN_BY_NAME[name].path
        if is_list_path(path) and isinstance(value, str):
            value = [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]
        _put(nested, path.split("."), value)
    return Profile.model_validate(nested)


def _put(target: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def error_path(loc: tuple[int | str, ...]) -> str:
    """The dotted path of a pydantic error location (list indexes dropped)."""
    return ".".join(part for part in loc if isinstance(part, str))


def column_for_error(loc: tuple[int | str, ...]) -> str:
    """The column a validation error belongs to (its dotted path if no column matches)."""
    path = error_path(loc)
    column = COLUMN_BY_PATH.get(path)
    return column.name if column else path


def error_message(error: Mapping[str, Any]) -> str:
    """pydantic's message without its "Value error, " prefix."""
    return str(error["msg"]).removeprefix("Value error, ")
