"""Rendering a message for one recipient: deterministic bytes and hash, each channel's shape,
the branded layout with every value escaped, and the speed of rendering many recipients."""

from __future__ import annotations

import hashlib
import json
import time

from contracts.accounts import Channel
from services.messaging.domain.rendering import (
    BULLETIN_MAX_CHARS,
    BULLETIN_SUBJECT_MAX_CHARS,
    NO_BRANDING,
    BrandingView,
    Composition,
    compile_message,
    render,
)
from services.messaging.domain.templates import SAMPLE_VARIABLES

COMPOSITION = Composition(
    subject="Your account {{ account_number }}",
    body="<p>Dear {{ first_name }},</p><ul><li>Statement ready</li></ul>"
    '<p>See <a href="https://example.com/docs">the docs</a>.</p>',
    with_banner=True,
    with_footer=True,
    signature="Ada Byron\nHarbor Wealth",
    reply_to="ada@example.com",
)
BRANDING = BrandingView(
    primary_colour="#112233",
    accent_colour="#445566",
    banner_text="Harbor <Wealth>",
    footer_text="1 Main St & Co\nMember SIPC",
    logo_url="https://example.com/logo.png",
)


def test_the_same_inputs_give_the_same_bytes_and_hash() -> None:
    first = render(COMPOSITION, SAMPLE_VARIABLES, Channel.EMAIL, BRANDING)
    again = render(compile_message(COMPOSITION), dict(SAMPLE_VARIABLES), Channel.EMAIL, BRANDING)
    assert first == again
    assert first.canonical_bytes() == again.canonical_bytes()
    assert first.sha256 == hashlib.sha256(first.canonical_bytes()).hexdigest()
    assert json.loads(first.canonical_bytes()) == {
        "subject": first.subject,
        "html": first.html,
        "text": first.text,
    }
    other = render(COMPOSITION, {**SAMPLE_VARIABLES, "first_name": "Bob"}, Channel.EMAIL, BRANDING)
    assert other.sha256 != first.sha256


def test_the_hash_is_stable_across_runs() -> None:
    simple = Composition(subject="Hi {{ first_name }}", body="<p>{{ client_name }}</p>")
    rendered = render(simple, {"first_name": "Ada", "client_name": "Ada L"}, Channel.BULLETIN)
    assert rendered.canonical_bytes() == b'{"html":null,"subject":"Hi Ada","text":"Ada L"}'
    assert rendered.sha256 == hashlib.sha256(rendered.canonical_bytes()).hexdigest()


def test_email_carries_the_branded_html_and_a_text_alternative() -> None:
    rendered = render(COMPOSITION, SAMPLE_VARIABLES, Channel.EMAIL, BRANDING)
    html = rendered.html or ""
    assert rendered.channel is Channel.EMAIL and rendered.subject == "Your account U1234567"
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>")
    assert "Harbor &lt;Wealth&gt;" in html and "#112233" in html and "#445566" in html
    assert '<img src="https://example.com/logo.png"' in html
    assert "1 Main St &amp; Co<br>Member SIPC" in html and "Ada Byron<br>Harbor Wealth" in html
    assert "<p>Dear Ada,</p>" in html
    assert rendered.text == (
        "Harbor <Wealth>\n\nDear Ada,\n\n- Statement ready\n\n"
        "See the docs (https://example.com/docs).\n\n"
        "Ada Byron\nHarbor Wealth\n\n1 Main St & Co\nMember SIPC"
    )


def test_the_message_center_shows_the_same_html() -> None:
    web = render(COMPOSITION, SAMPLE_VARIABLES, Channel.MESSAGE_CENTER, BRANDING)
    email = render(COMPOSITION, SAMPLE_VARIABLES, Channel.EMAIL, BRANDING)
    assert (web.html, web.text, web.subject) == (email.html, email.text, email.subject)
    assert web.sha256 == email.sha256  # the same content, whatever the channel


def test_without_banner_or_footer_the_branding_stays_out() -> None:
    plain = Composition(subject="s", body="<p>b</p>")
    rendered = render(plain, SAMPLE_VARIABLES, Channel.EMAIL, BRANDING)
    assert "Harbor" not in (rendered.html or "") and "logo" not in (rendered.html or "")
    assert rendered.text == "b"


def test_a_bulletin_is_plain_text_within_its_limits() -> None:
    long = Composition(subject="S" * 300, body="<p>" + "word " * 1000 + "</p>")
    rendered = render(long, SAMPLE_VARIABLES, Channel.BULLETIN, BRANDING)
    assert rendered.html is None
    assert len(rendered.subject) == BULLETIN_SUBJECT_MAX_CHARS
    assert len(rendered.text) <= BULLETIN_MAX_CHARS and rendered.text.endswith("…")
    short = render(COMPOSITION, SAMPLE_VARIABLES, Channel.BULLETIN, BRANDING)
    assert "<" not in short.text.replace("<Wealth>", "")


def test_a_subject_is_one_line_whatever_the_values() -> None:
    rendered = render(
        Composition(subject="Hi {{ first_name }}", body="b"),
        {"first_name": "Ada\r\nBcc: eve@example.com"},
        Channel.EMAIL,
    )
    assert rendered.subject == "Hi Ada Bcc: eve@example.com"


def test_unsafe_branding_values_never_reach_the_html() -> None:
    hostile = BrandingView(
        primary_colour="red;background:url(javascript:x)",
        accent_colour='#000000" onload="x',
        banner_text='"><script>x()</script>',
        logo_url="javascript:alert(1)",
    )
    html = render(COMPOSITION, SAMPLE_VARIABLES, Channel.EMAIL, hostile).html or ""
    assert "javascript" not in html and "<script>" not in html and "onload" not in html
    assert "#1f3a5f" in html and "&lt;script&gt;" in html


def test_missing_known_variables_render_empty() -> None:
    rendered = render(Composition(subject="s", body="[{{ household_name }}]"), {}, Channel.EMAIL)
    assert rendered.text == "[]"
    assert render(Composition(subject="s", body="x"), {}, Channel.EMAIL, NO_BRANDING).html


def test_ten_thousand_recipients_render_quickly() -> None:
    message = compile_message(COMPOSITION)
    recipients = [
        {**SAMPLE_VARIABLES, "first_name": f"Client {n}", "account_number": f"U{n:07d}"}
        for n in range(10_000)
    ]
    started = time.perf_counter()
    hashes = {render(message, values, Channel.EMAIL, BRANDING).sha256 for values in recipients}
    elapsed = time.perf_counter() - started
    print(f"\nrendered 10,000 emails in {elapsed:.3f} s ({elapsed / 10_000 * 1e6:.1f} µs each)")
    assert len(hashes) == 10_000
