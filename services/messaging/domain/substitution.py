"""A compiled message template that renders the bytes Jinja renders, without Jinja's per-render
cost when the template is only text and variables.

Jinja builds a new context for every render, which costs more than the substitution itself when
a fan-out renders a message for thousands of recipients. Most templates are text with
``{{ variable }}`` outputs (``Dear {{ first_name }},``): their parsed body is cut once into
literal pieces and variable slots, and a render fills the slots and joins — each value escaped
by markupsafe where the environment autoescapes, as Jinja's generated code does. A template with
anything else (a filter, a condition) renders through Jinja.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import Environment, Template, nodes
from markupsafe import escape


@dataclass(frozen=True, slots=True)
class _Plan:
    pieces: tuple[str, ...]  # the output, with "" where a variable goes
    slots: tuple[tuple[int, str], ...]  # (position in pieces, variable name)
    autoescape: bool


@dataclass(frozen=True, eq=False, slots=True)
class CompiledTemplate:
    """A checked template, compiled: ``render(values)`` with every variable it names."""

    jinja: Template
    plan: _Plan | None = None  # None: the template holds more than text and variables

    def render(self, values: Mapping[str, str]) -> str:
        plan = self.plan
        if plan is None:
            return self.jinja.render(values)
        pieces = list(plan.pieces)
        try:
            if plan.autoescape:
                for position, name in plan.slots:
                    pieces[position] = escape(values[name])
            else:
                for position, name in plan.slots:
                    pieces[position] = str(values[name])
        except KeyError:  # a variable left out: Jinja refuses it (StrictUndefined)
            return self.jinja.render(values)
        return "".join(pieces)


def compile_template(environment: Environment, source: str) -> CompiledTemplate:
    """``source`` compiled in ``environment``, with a plan when it is only text and variables."""
    return CompiledTemplate(environment.from_string(source), _plan(environment, source))


def _plan(environment: Environment, source: str) -> _Plan | None:
    if callable(environment.autoescape):  # chosen per template name: Jinja decides
        return None
    autoescape = bool(environment.autoescape)
    pieces: list[str] = []
    slots: list[tuple[int, str]] = []
    for output in environment.parse(source).body:
        if not isinstance(output, nodes.Output):
            return None
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):  # literal text is output as written
                pieces.append(child.data)
            elif isinstance(child, nodes.Const) and isinstance(child.value, str):
                pieces.append(str(escape(child.value)) if autoescape else child.value)
            elif isinstance(child, nodes.Name) and child.ctx == "load":
                slots.append((len(pieces), child.name))
                pieces.append("")
            else:
                return None
    return _Plan(tuple(pieces), tuple(slots), autoescape)
