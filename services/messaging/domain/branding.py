"""A master's white branding (M4): colours, banner and footer text, and a logo.

Colours are ``#rrggbb`` (they go into inline styles of the rendered messages, so nothing else
gets through); the banner and footer are plain text (any markup is dropped, the layout escapes
what is left); a logo is a PNG, JPEG, GIF or WebP image — known by its first bytes, not by what
the upload claims — of at most 256 KB.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape

import nh3

from services.messaging.domain.rendering import DEFAULT_ACCENT, DEFAULT_PRIMARY, BrandingView
from services.runtime.errors import Invalid, Location, TooLarge, UnsupportedContent

MAX_LOGO_BYTES = 256 * 1024
MAX_BANNER_CHARS = 200
MAX_FOOTER_CHARS = 2_000
LOGO_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


class BrandingRefused(Invalid):
    pass


class LogoTooLarge(TooLarge):
    def __init__(self) -> None:
        super().__init__(f"a logo may be at most {MAX_LOGO_BYTES // 1024} KB", field="file")


class UnsupportedLogo(UnsupportedContent):
    def __init__(self) -> None:
        super().__init__("a logo is a PNG, JPEG, GIF or WebP image", field="file")


def logo_type(content: bytes) -> str:
    """The logo's media type, read from its first bytes; refuses anything else."""
    if len(content) > MAX_LOGO_BYTES:
        raise LogoTooLarge()
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    raise UnsupportedLogo()


def plain_text(value: str | None, *, multiline: bool) -> str | None:
    """Text without markup or control characters (newlines kept where ``multiline``);
    none when nothing is left."""
    if value is None:
        return None
    text = unescape(nh3.clean(value, tags=set(), clean_content_tags={"script", "style"}))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    text = _CONTROL.sub("", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return cleaned or None


def colour(value: str, field: str) -> str:
    if not _COLOUR.match(value):
        raise BrandingRefused("a colour is written #rrggbb", field=field)
    return value.lower()


@dataclass
class Branding:
    """The branding a master keeps (without the logo's bytes, which are read on their own)."""

    master_account_id: str
    primary_colour: str = DEFAULT_PRIMARY
    accent_colour: str = DEFAULT_ACCENT
    banner_text: str | None = None
    footer_text: str | None = None
    logo_content_type: str | None = None
    updated_at: datetime | None = None

    def change(
        self,
        *,
        primary_colour: str,
        accent_colour: str,
        banner_text: str | None,
        footer_text: str | None,
        now: datetime,
    ) -> None:
        """Take the new values, refusing (all problems at once) what the rules do not allow."""
        problems: list[tuple[Location, str]] = []
        colours: dict[str, str] = {}
        for name, value in (("primary_colour", primary_colour), ("accent_colour", accent_colour)):
            try:
                colours[name] = colour(value, name)
            except BrandingRefused as error:
                problems += error.problems
        banner = plain_text(banner_text, multiline=False)
        footer = plain_text(footer_text, multiline=True)
        if banner and len(banner) > MAX_BANNER_CHARS:
            problems.append((("banner_text",), f"at most {MAX_BANNER_CHARS} characters"))
        if footer and len(footer) > MAX_FOOTER_CHARS:
            problems.append((("footer_text",), f"at most {MAX_FOOTER_CHARS} characters"))
        if problems:
            raise BrandingRefused.of(problems)
        self.primary_colour = colours["primary_colour"]
        self.accent_colour = colours["accent_colour"]
        self.banner_text, self.footer_text = banner, footer
        self.updated_at = now

    def view(self, logo_url: str | None = None) -> BrandingView:
        """The branding as a message shows it; ``logo_url`` where the logo is served (or a
        ``data:`` URL of it, see ``logo_data_url``)."""
        return BrandingView(
            primary_colour=self.primary_colour,
            accent_colour=self.accent_colour,
            banner_text=self.banner_text,
            footer_text=self.footer_text,
            logo_url=logo_url if self.logo_content_type else None,
        )


def logo_data_url(content: bytes, content_type: str) -> str:
    """The logo inline, as a ``data:`` URL (a preview, or a message that carries its logo)."""
    return f"data:{content_type};base64,{base64.b64encode(content).decode()}"
