"""A message as one recipient sees it on one channel (M2, M4): deterministic, so the same
composition, variables, channel and branding give the same bytes and the same hash.

- W (Message Center): the branded HTML page, shown in the portal inside a sandboxed frame, and
  its text;
- E (email): the same HTML and a plain-text alternative;
- B (trading-platform bulletin): plain text only, at most 2,000 characters, subject at most 120.

A message's templates are compiled once (``compile_message``) and rendered for every recipient;
the branded layout around the body is built once per channel and branding. Inline styles are
fine here: the HTML is an email or sits in a frame with its own policy. Every value is escaped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from json.encoder import encode_basestring as _json_string  # what dumps writes for a str

from contracts.accounts import Channel
from services.messaging.domain.substitution import CompiledTemplate
from services.messaging.domain.templates import (
    VARIABLES,
    CompiledBody,
    compile_body,
    compile_subject,
)

BULLETIN_MAX_CHARS = 2_000
BULLETIN_SUBJECT_MAX_CHARS = 120
DEFAULT_PRIMARY = "#1f3a5f"
DEFAULT_ACCENT = "#c8a24a"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
_LOGO_SCHEMES = ("https://", "http://", "data:image/")


@dataclass(frozen=True)
class Composition:
    """What the master wrote: templates of the subject and body, and the message's options."""

    subject: str
    body: str
    with_banner: bool = False
    with_footer: bool = False
    signature: str | None = None
    reply_to: str | None = None
    extra_variables: frozenset[str] = frozenset()  # a broker message's own variables


@dataclass(frozen=True)
class BrandingView:
    """The master's white branding as a message shows it (plain-text banner and footer)."""

    primary_colour: str = DEFAULT_PRIMARY
    accent_colour: str = DEFAULT_ACCENT
    banner_text: str | None = None
    footer_text: str | None = None
    logo_url: str | None = None


NO_BRANDING = BrandingView()


@dataclass(frozen=True, eq=False)
class CompiledMessage:
    """A composition with its templates compiled: render it for each recipient."""

    composition: Composition
    subject: CompiledTemplate
    body: CompiledBody
    names: tuple[str, ...]  # every variable a recipient's values fill


@dataclass(frozen=True)
class Rendered:
    channel: Channel
    subject: str
    html: str | None
    text: str
    sha256: str

    def canonical_bytes(self) -> bytes:
        return _canonical(self.subject, self.html, self.text)


def _canonical(subject: str, html: str | None, text: str) -> bytes:
    """``json.dumps({"html": ..., "subject": ..., "text": ...}, sort_keys=True,
    ensure_ascii=False, separators=(",", ":"))``, written out: its bytes, without an encoder
    built for every recipient."""
    html_json = "null" if html is None else _json_string(html)
    subject_json, text_json = _json_string(subject), _json_string(text)
    return f'{{"html":{html_json},"subject":{subject_json},"text":{text_json}}}'.encode()


def compile_message(composition: Composition) -> CompiledMessage:
    """Check and compile the subject and body once (``TemplateRefused`` if either fails)."""
    extra = composition.extra_variables
    return CompiledMessage(
        composition,
        compile_subject(composition.subject, extra),
        compile_body(composition.body, extra),
        (*VARIABLES, *sorted(extra)),
    )


@lru_cache(maxsize=64)
def _compiled(composition: Composition) -> CompiledMessage:
    return compile_message(composition)


# --- the branded layout ----------------------------------------------------------------------


def _colour(value: str, default: str) -> str:
    return value if _COLOUR.match(value) else default


def _lines_html(text: str) -> str:
    return "<br>".join(escape(line) for line in text.strip().splitlines())


@dataclass(frozen=True)
class _Layout:
    html_before: str
    html_after: str
    text_before: str
    text_after: str


@lru_cache(maxsize=256)
def _layout(composition: Composition, branding: BrandingView) -> _Layout:
    primary = _colour(branding.primary_colour, DEFAULT_PRIMARY)
    accent = _colour(branding.accent_colour, DEFAULT_ACCENT)
    before = [
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,'
        'sans-serif;color:#1b1b1b">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="border-collapse:collapse;max-width:680px;margin:0 auto;background:#ffffff">'
    ]
    text_before = ""
    if composition.with_banner:
        logo = branding.logo_url
        logo_html = (
            f'<img src="{escape(logo)}" alt="" height="40" '
            'style="height:40px;vertical-align:middle;margin-right:12px">'
            if logo and logo.strip().lower().startswith(_LOGO_SCHEMES)
            else ""
        )
        banner = escape(branding.banner_text or "")
        before.append(
            f'<tr><td style="background:{primary};color:#ffffff;padding:16px 24px;'
            f'font-size:18px;border-bottom:4px solid {accent}">{logo_html}{banner}</td></tr>'
        )
        if branding.banner_text:
            text_before = branding.banner_text.strip() + "\n\n"
    before.append('<tr><td style="padding:24px;font-size:14px;line-height:1.5">')
    after = ["</td></tr>"]
    text_after = ""
    if composition.signature:
        after.append(
            '<tr><td style="padding:0 24px 24px;font-size:14px;line-height:1.5">'
            f"{_lines_html(composition.signature)}</td></tr>"
        )
        text_after += "\n\n" + composition.signature.strip()
    if composition.with_footer and branding.footer_text:
        after.append(
            f'<tr><td style="border-top:2px solid {accent};padding:16px 24px;font-size:12px;'
            f'color:#5a5f66">{_lines_html(branding.footer_text)}</td></tr>'
        )
        text_after += "\n\n" + branding.footer_text.strip()
    after.append("</table></body></html>")
    return _Layout("".join(before), "".join(after), text_before, text_after)


# --- rendering ---------------------------------------------------------------------------------


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render(
    message: CompiledMessage | Composition,
    variables: Mapping[str, str],
    channel: Channel,
    branding: BrandingView = NO_BRANDING,
) -> Rendered:
    """The message for one recipient on one channel. ``variables`` are the recipient's (a known
    variable left out renders empty); a ``Composition`` is compiled here (and cached)."""
    return render_channels(message, variables, (channel,), branding)[channel]


def render_channels(
    message: CompiledMessage | Composition,
    variables: Mapping[str, str],
    channels: Iterable[Channel],
    branding: BrandingView = NO_BRANDING,
) -> dict[Channel, Rendered]:
    """``render`` on each of ``channels`` for one recipient, each template rendered once: the
    Message Center and the email carry one content, and a bulletin is cut from the same subject
    and text."""
    compiled = message if isinstance(message, CompiledMessage) else _compiled(message)
    values = {name: variables.get(name) or "" for name in compiled.names}
    subject = _LINE_BREAKS.sub(" ", compiled.subject.render(values)).strip()
    layout = _layout(compiled.composition, branding)
    text = layout.text_before + compiled.body.text.render(values) + layout.text_after
    by_channel: dict[Channel, Rendered] = {}
    page: Rendered | None = None  # the HTML version
    for channel in channels:
        if channel is Channel.BULLETIN:
            short_subject = _shortened(subject, BULLETIN_SUBJECT_MAX_CHARS)
            by_channel[channel] = _rendered(
                channel, short_subject, None, _shortened(text, BULLETIN_MAX_CHARS)
            )
        elif page is None:
            html = layout.html_before + compiled.body.html.render(values) + layout.html_after
            page = by_channel[channel] = _rendered(channel, subject, html, text)
        else:
            by_channel[channel] = Rendered(channel, page.subject, page.html, page.text, page.sha256)
    return by_channel


def _rendered(channel: Channel, subject: str, html: str | None, text: str) -> Rendered:
    digest = hashlib.sha256(_canonical(subject, html, text)).hexdigest()
    return Rendered(channel=channel, subject=subject, html=html, text=text, sha256=digest)
