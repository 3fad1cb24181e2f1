"""Message templates (M4, M6): what a master may write, checked at save and again at compose.

A template is Jinja2 in a sandbox, reduced to what a message needs: the recipient's variables
(``VARIABLES``), a few text filters, ``if``/``elif``/``else`` and comparisons. Anything that
reaches into Python — attribute or item access, calls, imports, includes, macros, assignments —
is refused when the template is saved, with a message naming what and where, so nothing like
``{{ client_name.__class__ }}`` ever compiles.

The HTML the master writes into a body is cleaned by ``nh3`` (an allow-list of formatting tags,
links and images) before it is compiled, and the compiled body escapes every variable's value
(autoescape): a client named ``<b>Ann</b>`` reads as that text, not in bold.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from uuid import UUID, uuid4

import nh3
from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from services.messaging.domain.substitution import CompiledTemplate, compile_template
from services.runtime.errors import Conflict, Invalid, Location

VARIABLES: Mapping[str, str] = {
    "client_name": "the client's full name (first and last)",
    "first_name": "the client's first name",
    "last_name": "the client's last name",
    "title": "the client's account title",
    "account_number": "the client's account number",
    "email": "the client's email address of record",
    "master_name": "the name of your master account",
    "today": "the date the message is sent",
    "household_name": "the name of the client's household, if any",
}
"""The variables a template may use, each with what it holds (every value is text)."""

SAMPLE_VARIABLES: Mapping[str, str] = {
    "client_name": "Ada Lovelace",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "title": "Ada Lovelace Individual",
    "account_number": "U1234567",
    "email": "ada@example.com",
    "master_name": "Example Advisors LLC",
    "today": "2025-01-31",
    "household_name": "Lovelace household",
}
"""The values a preview shows in place of a recipient's."""

MAX_SUBJECT_CHARS = 300
MAX_BODY_CHARS = 100_000
MAX_PROBLEMS = 20

_EXTRA_NAME = re.compile(
    r"^(?!(self|loop|super|caller|varargs|kwargs|true|false|none)$)[a-z][a-z0-9_]{0,39}$"
)
"""What another variable may be called (a broker message's own, like ``period``)."""

SAFE_FILTERS = ("upper", "lower", "title", "capitalize", "trim", "default")
SAFE_TESTS = ("defined", "undefined", "none", "eq", "ne")

_REFUSED_NODES: dict[type[nodes.Node], str] = {
    nodes.Getattr: "attribute access (a '.' after a name) is not allowed",
    nodes.Getitem: "item access ('[...]') is not allowed",
    nodes.Call: "calls ('(...)') are not allowed",
    nodes.Import: "'import' is not allowed",
    nodes.FromImport: "'from ... import' is not allowed",
    nodes.Include: "'include' is not allowed",
    nodes.Extends: "'extends' is not allowed",
    nodes.Macro: "macros are not allowed",
    nodes.CallBlock: "'call' blocks are not allowed",
    nodes.Block: "blocks are not allowed",
    nodes.Assign: "'set' is not allowed",
    nodes.AssignBlock: "'set' is not allowed",
    nodes.For: "loops are not allowed",
    nodes.With: "'with' is not allowed",
    nodes.FilterBlock: "'filter' blocks are not allowed",
}
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If,
    nodes.Filter, nodes.Test, nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand,
    nodes.CondExpr, nodes.Concat,
)  # fmt: skip


class TemplateRefused(Invalid):
    """A template the rules refuse: each problem names the field and, where known, the line."""


def _environment(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(
        autoescape=autoescape, undefined=StrictUndefined, auto_reload=False, cache_size=0
    )
    environment.filters = {name: environment.filters[name] for name in SAFE_FILTERS}
    environment.tests = {name: environment.tests[name] for name in SAFE_TESTS}
    environment.globals = {}
    return environment


HTML_ENVIRONMENT = _environment(autoescape=True)
TEXT_ENVIRONMENT = _environment(autoescape=False)


# --- checking ---------------------------------------------------------------------------------


def _problems_of(tree: nodes.Template) -> Iterator[str]:
    for node in tree.find_all(nodes.Node):
        line = f"line {node.lineno}: " if getattr(node, "lineno", None) else ""
        refused = next((m for kind, m in _REFUSED_NODES.items() if isinstance(node, kind)), None)
        if refused is not None:
            yield f"{line}{refused}"
        elif not isinstance(node, _ALLOWED_NODES):
            yield f"{line}{type(node).__name__.lower()} is not allowed in a template"
        elif isinstance(node, nodes.Filter) and node.name not in SAFE_FILTERS:
            yield f"{line}unknown filter {node.name!r} (allowed: {', '.join(SAFE_FILTERS)})"
        elif isinstance(node, nodes.Test) and node.name not in SAFE_TESTS:
            yield f"{line}unknown test {node.name!r} (allowed: {', '.join(SAFE_TESTS)})"
        elif isinstance(node, nodes.Name) and node.ctx != "load":
            yield f"{line}assigning {node.name!r} is not allowed"


def _parse(source: str, field: str) -> nodes.Template:
    try:
        return HTML_ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateRefused(f"line {error.lineno}: {error.message}", field=field) from None


def check_template(
    source: str, *, field: str = "body", extra_variables: Collection[str] = ()
) -> None:
    """Refuse (``TemplateRefused``) a template that does not parse, names a variable outside
    ``VARIABLES`` (and ``extra_variables``: a broker message's own) or uses anything beyond the
    safe subset; return quietly otherwise."""
    limit = MAX_SUBJECT_CHARS if field == "subject" else MAX_BODY_CHARS
    if len(source) > limit:
        raise TemplateRefused(f"at most {limit} characters", field=field)
    tree = _parse(source, field)
    problems = list(dict.fromkeys(_problems_of(tree)))
    if any(kind == "raw_begin" for _, kind, _ in HTML_ENVIRONMENT.lex(source)):
        problems.append("'raw' blocks are not allowed")
    names = {name.name for name in tree.find_all(nodes.Name)}  # also 'self', 'loop', ...
    with suppress(TemplateSyntaxError):  # an unknown filter or test, already named above
        names |= meta.find_undeclared_variables(tree)
    known = VARIABLES.keys() | {name for name in extra_variables if _EXTRA_NAME.match(name)}
    problems += [f"unknown variable {name!r}" for name in sorted(names - known)]
    if problems:
        located: list[tuple[Location, str]] = [((field,), p) for p in problems[:MAX_PROBLEMS]]
        raise TemplateRefused.of(located)


def variables_named(source: str) -> frozenset[str]:
    """The variables a template names (none when it does not parse: checking refuses it)."""
    try:
        return frozenset(meta.find_undeclared_variables(HTML_ENVIRONMENT.parse(source)))
    except TemplateSyntaxError:
        return frozenset()


def check_subject_and_body(subject: str, body: str) -> None:
    """``check_template`` of both, refusing with the problems of both at once."""
    problems: list[tuple[Location, str]] = []
    for field_name, source in (("subject", subject), ("body", body)):
        try:
            check_template(source, field=field_name)
        except TemplateRefused as refused:
            problems += refused.problems
    if problems:
        raise TemplateRefused.of(problems[:MAX_PROBLEMS])


# --- sanitising the HTML of a body --------------------------------------------------------------

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "del", "div", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "s", "small",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
    "ul",
})  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_IMAGE_SCHEMES = ("https://", "data:image/")

# Jinja's code is taken out before the HTML is cleaned and put back after it: the cleaner sees
# only these markers (private-use characters, removed from the source first).
_OPEN, _CLOSE = "\ue000", "\ue001"
_JINJA_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_MARKER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    lowered = value.strip().lower()
    if element == "a" and attribute == "href" and not lowered.startswith(_LINK_SCHEMES):
        return None
    if element == "img" and attribute == "src" and not lowered.startswith(_IMAGE_SCHEMES):
        return None
    return value


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto", "data"},
        url_relative="deny",
        link_rel="noopener",
    )


def _without_code(source: str) -> tuple[str, list[str]]:
    codes: list[str] = []

    def marker(match: re.Match[str]) -> str:
        codes.append(match.group(0))
        return f"{_OPEN}{len(codes) - 1}{_CLOSE}"

    plain = source.replace(_OPEN, "").replace(_CLOSE, "")
    return _JINJA_CODE.sub(marker, plain), codes


def _with_code(marked: str, codes: list[str]) -> str:
    return _MARKER.sub(lambda match: codes[int(match.group(1))], marked)


def sanitize_body(source: str) -> str:
    """The body's template with its HTML cleaned and its Jinja code untouched. A brace that
    the cleaner decoded from an entity stays an entity, so cleaning never writes new code."""
    marked, codes = _without_code(source)
    return _with_code(_clean(marked).replace("{", "&#123;"), codes)


# --- the plain-text form of a body ---------------------------------------------------------------

_BLOCKS = frozenset({"p", "div", "table", "tr", "ul", "ol", "blockquote", "pre", "hr", "h1",
                     "h2", "h3", "h4", "h5", "h6", "caption", "thead", "tbody", "tfoot"})  # fmt: skip
_SPACES = re.compile(r"[ \t\r\f\v]+")


class _TextOf(HTMLParser):
    """Clean HTML as text: blocks on lines of their own, list items with a dash, a link's
    address after its words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[str | None] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS or tag == "br":
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in {"td", "th"}:
            self.parts.append("\t")
        elif tag == "pre":
            self._pre += 1
        if tag == "a":
            self._links.append(dict(attrs).get("href"))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            href = self._links.pop()
            if href and not href.lower().startswith("mailto:"):
                self.parts.append(f" ({href})")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data if self._pre else _SPACES.sub(" ", data.replace("\n", " ")))


def html_to_text(html: str) -> str:
    """Clean HTML as readable plain text (lines trimmed, at most one blank line in a row)."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = [line.strip(" ") for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n")


def _text_source(sanitized: str) -> str:
    """The text template of a sanitised body: its literal braces written as Jinja constants."""
    marked, codes = _without_code(sanitized)
    return _with_code(html_to_text(marked).replace("{", "{{ '{' }}"), codes)


# --- compiling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledBody:
    html: CompiledTemplate
    text: CompiledTemplate


def compile_subject(source: str, extra_variables: Collection[str] = ()) -> CompiledTemplate:
    """The subject's template (plain text: its values are not escaped, the layout escapes)."""
    check_template(source, field="subject", extra_variables=extra_variables)
    return compile_template(TEXT_ENVIRONMENT, source)


def compile_body(source: str, extra_variables: Collection[str] = ()) -> CompiledBody:
    """The body's HTML template (sanitised, autoescaping) and its plain-text twin."""
    check_template(source, field="body", extra_variables=extra_variables)
    sanitized = sanitize_body(source)
    text = _text_source(sanitized)
    for cleaned in (sanitized, text):  # what cleaning left must pass the same checks
        check_template(cleaned, field="body", extra_variables=extra_variables)
    return CompiledBody(
        compile_template(HTML_ENVIRONMENT, sanitized), compile_template(TEXT_ENVIRONMENT, text)
    )


# --- template records --------------------------------------------------------------------------


class TemplateNameTaken(Conflict):
    pass


def template_name(name: str) -> str:
    """A template's name as kept: trimmed, inner runs of spaces made one."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("a template needs a name", field="name")
    return cleaned


@dataclass
class MessageTemplate:
    """A master's saved template: its name, subject and body (each checked when saved)."""

    master_account_id: str
    name: str
    subject: str
    body: str
    created_by_user_id: str
    created_at: datetime
    updated_at: datetime
    id: UUID = field(default_factory=uuid4)
    version: int = 1

    def replace(self, *, name: str, subject: str, body: str, now: datetime) -> None:
        self.name, self.subject, self.body = name, subject, body
        self.updated_at = now
        self.version += 1


def field_values(values: Mapping[str, Any]) -> dict[str, str]:
    """A recipient's variables as text: every known variable, unknown ones dropped."""
    return {name: "" if values.get(name) is None else str(values[name]) for name in VARIABLES}
