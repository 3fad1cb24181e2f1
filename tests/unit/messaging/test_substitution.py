"""Templates of text and variables render by substitution, to the bytes Jinja renders; the
channels of one recipient render as each would alone."""

from __future__ import annotations

import pytest
from jinja2 import Environment, UndefinedError

from contracts.accounts import Channel
from services.messaging.domain.rendering import (
    BrandingView,
    Composition,
    compile_message,
    render,
    render_channels,
)
from services.messaging.domain.substitution import compile_template
from services.messaging.domain.templates import (
    HTML_ENVIRONMENT,
    TEXT_ENVIRONMENT,
    VARIABLES,
    sanitize_body,
)

PLAIN_TEMPLATES = [
    "Dear {{ first_name }},\n\nAccount {{ account_number }}: all is well.\n",
    "<p>Hello <b>{{ client_name }}</b> &amp; {{ email }}</p>{{ '{' }}&#123;",
    "line\r\nbreaks {{- title -}}   kept {# a comment #} {{ today }}",
    "{{ first_name }}{{ last_name }}",
    "no variables at all",
    "",
]
OTHER_TEMPLATES = [
    "Hi {{ first_name|upper }}",
    "{% if title %}T {{ title }}{% else %}none{% endif %}",
]
VALUES = [
    {name: "" for name in VARIABLES},
    {name: f"<b>{name}</b> & 'x' \"y\" {{{{ z }}}} \u2028 é" for name in VARIABLES},
]


@pytest.mark.parametrize("source", PLAIN_TEMPLATES)
@pytest.mark.parametrize("environment", [HTML_ENVIRONMENT, TEXT_ENVIRONMENT])
def test_text_and_variables_render_by_substitution_as_jinja_does(
    source: str, environment: Environment
) -> None:
    compiled = compile_template(environment, source)
    assert compiled.plan is not None
    for values in VALUES:
        assert compiled.render(values) == environment.from_string(source).render(values)


@pytest.mark.parametrize("source", OTHER_TEMPLATES)
def test_filters_and_conditions_render_through_jinja(source: str) -> None:
    compiled = compile_template(HTML_ENVIRONMENT, source)
    assert compiled.plan is None
    for values in VALUES:
        assert compiled.render(values) == HTML_ENVIRONMENT.from_string(source).render(values)


def test_a_variable_left_out_is_refused_as_jinja_refuses_it() -> None:
    with pytest.raises(UndefinedError):
        compile_template(HTML_ENVIRONMENT, "Dear {{ first_name }}").render({})


def test_a_sanitised_body_keeps_its_plan() -> None:
    body = sanitize_body("<p onclick='x()'>Dear {{ first_name }}</p><script>no()</script>")
    compiled = compile_template(HTML_ENVIRONMENT, body)
    assert compiled.plan is not None
    assert compiled.render({"first_name": "<i>Ann</i>"}) == ("<p>Dear &lt;i&gt;Ann&lt;/i&gt;</p>")


@pytest.mark.parametrize("body", PLAIN_TEMPLATES[:3] + OTHER_TEMPLATES)
def test_all_channels_at_once_are_each_channel_alone(body: str) -> None:
    composition = Composition(subject="Letter for {{ client_name }}", body=body,
                              with_banner=True, with_footer=True, signature="Ada\nAdvisor")  # fmt: skip
    branding = BrandingView(banner_text="Firm <x>", footer_text="Footer & co")
    compiled = compile_message(composition)
    channels = (Channel.MESSAGE_CENTER, Channel.EMAIL, Channel.BULLETIN)
    for values in VALUES:
        together = render_channels(compiled, values, channels, branding)
        assert list(together) == list(channels)
        for channel in channels:
            assert together[channel] == render(composition, values, channel, branding)
