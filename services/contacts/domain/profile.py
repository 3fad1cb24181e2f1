"""The full profile of a contact (C3): one validated model per section of the profile form.

Every field is optional (a prospect may be saved with a first and last name only); the rules a
person would expect are checked where the data allows it, each error located at the field it is
about. Store a profile with ``profile.model_dump(mode="json", exclude_none=True)`` and read it
back with ``Profile.model_validate(data)``.

The leaves of the profile (paths, labels, values) are described in ``profile_fields.py``; the
profile as flat spreadsheet columns in ``files/profile_columns.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

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


def error_message(error: Mapping[str, Any]) -> str:
    """pydantic's message without its "Value error, " prefix."""
    return str(error["msg"]).removeprefix("Value error, ")
