"""Message templates and white branding API (M4, M6): commands and views.

A template's subject and body are checked when saved (422 naming each problem: a syntax error
with its line, an unknown variable, anything beyond the safe subset); its name is unique within
the master, whatever the case (409). A change names the version it replaces (409 when stale).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.accounts import Channel
from contracts.api.limits import RecordVersion

TemplateName = Annotated[str, Field(min_length=1, max_length=200)]
Subject = Annotated[
    str, Field(min_length=1, max_length=300, description="a template: {{ first_name }}, ...")
]
Body = Annotated[
    str,
    Field(
        max_length=100_000,
        description="HTML with variables ({{ client_name }}); scripts, styles and event "
        "handlers are removed, links keep http, https and mailto, images https and data",
    ),
]
Colour = Annotated[
    str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb", examples=["#1f3a5f"])
]

LOGO_MAX_BYTES = 256 * 1024
"""The largest logo: a PNG, JPEG, GIF or WebP image."""


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TemplateCreate(_Command):
    name: TemplateName
    subject: Subject
    body: Body


class TemplateUpdate(TemplateCreate):
    """The whole template anew, replacing the version named."""

    version: RecordVersion


class TemplateOut(BaseModel):
    id: UUID
    name: str
    subject: str
    body: str
    created_by_user_id: str
    created_at: datetime
    updated_at: datetime
    version: int


class TemplateList(BaseModel):
    items: list[TemplateOut]


class VariableOut(BaseModel):
    name: str
    description: str
    sample: str


class VariableList(BaseModel):
    items: list[VariableOut]


class TemplateCheck(_Command):
    """A subject and body to check, previewed with sample variables and the master's branding."""

    subject: Subject
    body: Body
    with_banner: bool = False
    with_footer: bool = False
    signature: str | None = Field(default=None, max_length=2_000)


class PreviewOut(BaseModel):
    channel: Channel
    subject: str
    html: str | None = Field(description="none on a bulletin (plain text only)")
    text: str
    sha256: str


class TemplateCheckOut(BaseModel):
    """The template passes; how it reads on each channel for the sample recipient."""

    previews: list[PreviewOut]
    variables: dict[str, str] = Field(description="the sample values used")


class BrandingUpdate(_Command):
    primary_colour: Colour
    accent_colour: Colour
    banner_text: str | None = Field(default=None, max_length=200, description="plain text")
    footer_text: str | None = Field(default=None, max_length=2_000, description="plain text")


class BrandingOut(BaseModel):
    primary_colour: str
    accent_colour: str
    banner_text: str | None
    footer_text: str | None
    has_logo: bool
    logo_content_type: str | None
    updated_at: datetime | None = Field(description="none until the master sets a branding")
