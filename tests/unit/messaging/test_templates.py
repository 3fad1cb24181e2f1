"""Templates: what the sandbox refuses, what the HTML cleaner keeps, and the templates' and
branding's use cases against the fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from contracts.accounts import Channel
from contracts.api.message_templates import (
    BrandingUpdate,
    TemplateCheck,
    TemplateCreate,
    TemplateUpdate,
)
from services.messaging.domain.branding import (
    MAX_LOGO_BYTES,
    Branding,
    BrandingRefused,
    LogoTooLarge,
    UnsupportedLogo,
    logo_type,
    plain_text,
)
from services.messaging.domain.rendering import Composition, compile_message, render
from services.messaging.domain.templates import (
    VARIABLES,
    TemplateRefused,
    check_template,
    sanitize_body,
)
from services.messaging.service_layer import branding, templates
from services.runtime.caller import Caller
from services.runtime.errors import Conflict, Invalid, NotFound
from tests.unit.messaging.fakes_templates import FakeTemplatesUnitOfWork

ADA = Caller(master_account_id="F1000001", user_id="u-ada")
EVE = Caller(master_account_id="F2000002", user_id="u-eve")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def refusal(source: str, field: str = "body") -> list[str]:
    with pytest.raises(TemplateRefused) as refused:
        check_template(source, field=field)
    assert isinstance(refused.value, Invalid)
    assert all(location == (field,) for location, _ in refused.value.problems)
    return [message for _, message in refused.value.problems]


# --- the sandbox -----------------------------------------------------------------------------


def test_the_variables_are_described() -> None:
    for name in ("client_name", "first_name", "last_name", "title", "account_number", "email",
                 "master_name", "today", "household_name"):  # fmt: skip
        assert VARIABLES[name]


def test_a_template_with_variables_filters_and_conditions_passes() -> None:
    check_template(
        "<p>Dear {{ first_name|title }} {{ last_name }},</p>"
        "{% if household_name %}<p>{{ household_name }}</p>{% else %}-{% endif %}"
        "{{ title|default('client') }} {{ account_number is defined }}"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ client_name.__class__ }}", "attribute access"),
        ("{{ ''.__class__.__mro__ }}", "attribute access"),
        ("{% for x in ().__class__ %}{% endfor %}", "loops are not allowed"),
        ("{% for x in ().__class__ %}{% endfor %}", "attribute access"),
        ("{{ client_name['x'] }}", "item access"),
        ("{{ client_name.upper() }}", "calls"),
        ("{{ lipsum() }}", "calls"),
        ("{% import 'os' as os %}", "'import' is not allowed"),
        ("{% from 'x' import y %}", "'from ... import' is not allowed"),
        ("{% include 'secrets.html' %}", "'include' is not allowed"),
        ("{% extends 'base.html' %}", "'extends' is not allowed"),
        ("{% macro m() %}x{% endmacro %}", "macros are not allowed"),
        ("{% set x = client_name %}", "'set' is not allowed"),
        ("{{ client_name|attr('__class__') }}", "unknown filter 'attr'"),
        ("{{ client_name is callable }}", "unknown test 'callable'"),
        ("{% raw %}{{ '<script>' }}{% endraw %}", "'raw' blocks are not allowed"),
        ("{{ self }}", "unknown variable 'self'"),
        ("{{ cycler }}", "unknown variable 'cycler'"),
    ],
)
def test_what_reaches_beyond_the_variables_is_refused(source: str, expected: str) -> None:
    problems = refusal(source)
    assert any(expected in problem for problem in problems), problems


def test_each_unknown_variable_is_named() -> None:
    problems = refusal("Dear {{ nickname }}, your {{ balance }} and {{ client_name }}")
    assert problems == ["unknown variable 'balance'", "unknown variable 'nickname'"]


def test_a_syntax_error_names_its_line() -> None:
    (problem,) = refusal("<p>Hello</p>\n<p>{{ client_name </p>\n", field="subject")
    assert problem.startswith("line 2:")


def test_too_long_a_subject_is_refused() -> None:
    assert refusal("x" * 301, field="subject") == ["at most 300 characters"]


def test_the_refusal_reads_as_fastapi_errors() -> None:
    with pytest.raises(TemplateRefused) as refused:
        check_template("{{ nope }}", field="subject")
    assert refused.value.detail() == [
        {"type": "value_error", "loc": ["body", "subject"], "msg": "unknown variable 'nope'"}
    ]


def test_compose_refuses_what_save_refuses() -> None:
    with pytest.raises(TemplateRefused):
        compile_message(Composition(subject="Hi", body="{{ client_name.__init__.__globals__ }}"))


# --- the HTML cleaner ------------------------------------------------------------------------


def test_scripts_handlers_and_javascript_links_are_removed() -> None:
    cleaned = sanitize_body(
        '<p onclick="steal()">Hi <b>{{ first_name }}</b></p><script>alert(1)</script>'
        '<style>p{color:red}</style><img src="x" onerror="alert(1)">'
        '<a href="javascript:alert(1)">bad</a><a href="https://example.com">good</a>'
        '<a href="mailto:ada@example.com">mail</a><img src="https://example.com/a.png" alt="a">'
        '<iframe src="https://evil"></iframe><ul><li>one</li></ul><table><tr><td>1</td></tr></table>'
    )
    for gone in ("script", "alert", "onclick", "onerror", "javascript", "style", "iframe", "evil"):
        assert gone not in cleaned, gone
    assert "<b>{{ first_name }}</b>" in cleaned
    assert '<a href="https://example.com" rel="noopener">good</a>' in cleaned
    assert 'href="mailto:ada@example.com"' in cleaned
    assert '<img src="https://example.com/a.png" alt="a">' in cleaned
    assert "<ul><li>one</li></ul>" in cleaned and "<td>1</td>" in cleaned


def test_images_come_only_from_https_or_data() -> None:
    cleaned = sanitize_body(
        '<img src="http://example.com/a.png"><img src="data:image/png;base64,AAAA">'
        '<img src="data:text/html;base64,AAAA">'
    )
    assert cleaned.count("<img") == 3
    assert 'src="data:image/png;base64,AAAA"' in cleaned
    assert "http://" not in cleaned and "text/html" not in cleaned


def test_code_spelled_with_entities_never_becomes_code() -> None:
    source = "&#123;&#123; client_name.__class__ }} {{ first_name }}"
    check_template(source)
    message = compile_message(Composition(subject="s", body=source))
    rendered = render(message, {"first_name": "Ada"}, Channel.EMAIL)
    assert "&#123;&#123; client_name.__class__ }} Ada" in (rendered.html or "")
    assert "{{ client_name.__class__ }} Ada" in rendered.text


def test_a_variable_s_value_stays_text() -> None:
    message = compile_message(
        Composition(subject="For {{ client_name }}", body="<p>{{ client_name }}</p>")
    )
    rendered = render(
        message, {"client_name": "<b>Ann</b><script>x()</script>"}, Channel.MESSAGE_CENTER
    )
    assert "<p>&lt;b&gt;Ann&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt;</p>" in (rendered.html or "")
    assert (
        rendered.subject == "For <b>Ann</b><script>x()</script>"
    )  # plain text, escaped by its user
    assert "<b>Ann</b>" in rendered.text


# --- templates' use cases ------------------------------------------------------------------


@pytest.fixture
def fake() -> FakeTemplatesUnitOfWork:
    return FakeTemplatesUnitOfWork()


def a_template(name: str = "Welcome", body: str = "<p>Dear {{ first_name }}</p>") -> TemplateCreate:
    return TemplateCreate(name=name, subject="Hello {{ first_name }}", body=body)


async def test_a_template_is_created_listed_read_changed_and_deleted(
    fake: FakeTemplatesUnitOfWork,
) -> None:
    uow = fake.as_uow()
    created = await templates.create_template(uow, ADA, a_template("  Welcome   note "), now=NOW)
    assert (created.name, created.version, created.created_by_user_id) == (
        "Welcome note",
        1,
        "u-ada",
    )
    assert [t.id for t in await templates.list_templates(uow, ADA)] == [created.id]
    later = NOW + timedelta(minutes=5)
    changed = await templates.update_template(
        uow, ADA, created.id,
        TemplateUpdate(name="Welcome", subject="Hi", body="<p>{{ client_name }}</p>", version=1),
        now=later,
    )  # fmt: skip
    assert (changed.version, changed.subject, changed.updated_at) == (2, "Hi", later)
    assert (await templates.get_template(uow, ADA, created.id)).body == "<p>{{ client_name }}</p>"
    await templates.delete_template(uow, ADA, created.id)
    assert await templates.list_templates(uow, ADA) == []
    with pytest.raises(NotFound):
        await templates.get_template(uow, ADA, created.id)


async def test_a_stale_version_is_a_conflict(fake: FakeTemplatesUnitOfWork) -> None:
    uow = fake.as_uow()
    created = await templates.create_template(uow, ADA, a_template(), now=NOW)
    change = TemplateUpdate(name="Welcome", subject="Hi", body="x", version=1)
    await templates.update_template(uow, ADA, created.id, change, now=NOW)
    with pytest.raises(Conflict, match="version 1"):
        await templates.update_template(uow, ADA, created.id, change, now=NOW)


async def test_names_are_unique_within_the_master_whatever_the_case(
    fake: FakeTemplatesUnitOfWork,
) -> None:
    uow = fake.as_uow()
    first = await templates.create_template(uow, ADA, a_template("Welcome"), now=NOW)
    with pytest.raises(Conflict):
        await templates.create_template(uow, ADA, a_template("WELCOME"), now=NOW)
    other = await templates.create_template(uow, ADA, a_template("Other"), now=NOW)
    with pytest.raises(Conflict):
        await templates.update_template(
            uow, ADA, other.id,
            TemplateUpdate(name="welcome", subject="s", body="b", version=1), now=NOW,
        )  # fmt: skip
    assert fake.templates.name_locks  # the name check holds the master's lock
    # the same name again for the template itself, and in another master
    await templates.update_template(
        uow, ADA, first.id, TemplateUpdate(name="welcome", subject="s", body="b", version=1),
        now=NOW,
    )  # fmt: skip
    await templates.create_template(uow, EVE, a_template("Welcome"), now=NOW)


async def test_another_master_s_template_is_not_found(fake: FakeTemplatesUnitOfWork) -> None:
    uow = fake.as_uow()
    created = await templates.create_template(uow, ADA, a_template(), now=NOW)
    assert await templates.list_templates(uow, EVE) == []
    with pytest.raises(NotFound):
        await templates.get_template(uow, EVE, created.id)
    with pytest.raises(NotFound):
        await templates.update_template(
            uow, EVE, created.id, TemplateUpdate(name="x", subject="s", body="b", version=1),
            now=NOW,
        )  # fmt: skip
    with pytest.raises(NotFound):
        await templates.delete_template(uow, EVE, created.id)
    with pytest.raises(NotFound):
        await templates.get_template(uow, ADA, uuid4())


async def test_an_unsafe_template_is_not_saved(fake: FakeTemplatesUnitOfWork) -> None:
    uow = fake.as_uow()
    with pytest.raises(TemplateRefused) as refused:
        await templates.create_template(
            uow, ADA, TemplateCreate(name="x", subject="{{ a.b }}", body="{{ zzz }}"), now=NOW
        )
    assert refused.value.problems[0][0] == ("subject",)
    assert fake.templates.rows == {}


async def test_a_check_previews_every_channel_with_the_branding(
    fake: FakeTemplatesUnitOfWork,
) -> None:
    uow = fake.as_uow()
    await branding.change_branding(
        uow, ADA,
        BrandingUpdate(primary_colour="#112233", accent_colour="#445566", banner_text="Harbor",
                       footer_text="Harbor Wealth, 1 Main St"),
        now=NOW,
    )  # fmt: skip
    await branding.upload_logo(uow, ADA, PNG, now=NOW)
    previews = await templates.preview_template(
        uow, ADA,
        TemplateCheck(subject="Hi {{ first_name }}", body="<p>{{ client_name }}</p>",
                      with_banner=True, with_footer=True, signature="Ada"),
    )  # fmt: skip
    assert [p.channel for p in previews] == [
        Channel.MESSAGE_CENTER,
        Channel.EMAIL,
        Channel.BULLETIN,
    ]
    web = previews[0]
    assert web.subject == "Hi Ada" and "<p>Ada Lovelace</p>" in (web.html or "")
    assert "#112233" in (web.html or "") and "data:image/png;base64," in (web.html or "")
    assert "Harbor Wealth, 1 Main St" in web.text
    assert previews[2].html is None


# --- branding ------------------------------------------------------------------------------


async def test_branding_has_defaults_and_keeps_plain_text(fake: FakeTemplatesUnitOfWork) -> None:
    uow = fake.as_uow()
    default = await branding.get_branding(uow, ADA)
    assert (default.primary_colour, default.updated_at) == ("#1f3a5f", None)
    changed = await branding.change_branding(
        uow, ADA,
        BrandingUpdate(primary_colour="#AABBCC", accent_colour="#000000",
                       banner_text="<b>Harbor</b>\n Wealth<script>x()</script>",
                       footer_text="Line 1\r\n<i>Line 2</i> & more"),
        now=NOW,
    )  # fmt: skip
    assert (changed.primary_colour, changed.banner_text) == ("#aabbcc", "Harbor Wealth")
    assert changed.footer_text == "Line 1\nLine 2 & more"
    assert (await branding.get_branding(uow, ADA)).updated_at == NOW
    assert (await branding.get_branding(uow, EVE)).banner_text is None


def test_colours_must_be_rrggbb() -> None:
    kept = Branding("F1")
    with pytest.raises(BrandingRefused) as refused:
        kept.change(primary_colour="red", accent_colour="#12345", banner_text=None,
                    footer_text=None, now=NOW)  # fmt: skip
    assert [loc for loc, _ in refused.value.problems] == [("primary_colour",), ("accent_colour",)]
    with pytest.raises(ValidationError):
        BrandingUpdate(primary_colour="#1234567", accent_colour="#000000")


def test_plain_text_drops_markup_and_controls() -> None:
    assert plain_text("a\x00b<script>c</script> <b>d</b>", multiline=False) == "ab d"
    assert plain_text("   ", multiline=True) is None


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 16, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    ],
)
def test_a_logo_is_known_by_its_first_bytes(content: bytes, media_type: str) -> None:
    assert logo_type(content) == media_type


def test_a_logo_of_another_type_or_too_large_is_refused() -> None:
    with pytest.raises(UnsupportedLogo):
        logo_type(b"<svg onload='x()'></svg>")
    with pytest.raises(UnsupportedLogo):
        logo_type(b"")
    with pytest.raises(LogoTooLarge):
        logo_type(PNG + b"\x00" * MAX_LOGO_BYTES)


async def test_a_logo_is_kept_and_read_back(fake: FakeTemplatesUnitOfWork) -> None:
    uow = fake.as_uow()
    with pytest.raises(NotFound):
        await branding.read_logo(uow, ADA)
    kept = await branding.upload_logo(uow, ADA, PNG, now=NOW)
    assert kept.logo_content_type == "image/png"
    assert await branding.read_logo(uow, ADA) == (PNG, "image/png")
    with pytest.raises(UnsupportedLogo):
        await branding.upload_logo(uow, ADA, b"%PDF-1.4", now=NOW)
    with pytest.raises(NotFound):
        await branding.read_logo(uow, EVE)
