"""Risk scores (A5): a questionnaire whose answers carry values on a scale (1-5 by default, 1 the
lowest risk); the master may change any answer's value or the scale; a client's score is the mean
of their answers' values, recomputed whenever their answers, a value or the scale change.

The questionnaire's questions and answers are fixed here; what a master changes is kept as
overrides (answer id -> value) and a scale (low, high). Changing the scale rescales every value
linearly (an override kept on the old scale moves with it), so scores stay comparable."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from services.runtime.errors import Invalid

DEFAULT_SCALE = (1, 5)
SCORE_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Answer:
    id: str
    text: str
    default_value: int  # on the default 1-5 scale


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    answers: tuple[Answer, ...]


def _q(qid: str, text: str, *answers: str) -> Question:
    return Question(qid, text, tuple(Answer(f"{qid}.{i}", a, i) for i, a in enumerate(answers, 1)))


QUESTIONS: tuple[Question, ...] = (
    _q("horizon", "When do you expect to need most of this money?",
       "Within 2 years", "In 2-5 years", "In 5-10 years", "In 10-20 years", "In more than 20 years"),
    _q("drop", "Your portfolio loses 20% in a month. What do you do?",
       "Sell everything", "Sell some", "Do nothing", "Buy a little more", "Buy a lot more"),
    _q("goal", "What matters most for this money?",
       "Keeping what I have", "Income with little change", "Balance of income and growth",
       "Growth", "Maximum growth"),
    _q("experience", "How much investing experience do you have?",
       "None", "Savings and deposits", "Funds", "Stocks and bonds", "Options, futures or margin"),
    _q("income", "How stable is your income for the next five years?",
       "Very unstable", "Somewhat unstable", "Stable", "Stable and growing", "Very secure"),
    _q("share", "How much of your savings does this account hold?",
       "Over 75%", "50-75%", "25-50%", "10-25%", "Under 10%"),
)  # fmt: skip
ANSWERS: dict[str, Answer] = {a.id: a for q in QUESTIONS for a in q.answers}
QUESTION_OF: dict[str, str] = {a.id: q.id for q in QUESTIONS for a in q.answers}


@dataclass(frozen=True, slots=True)
class Settings:
    """A master's scale and per-answer values (only the answers they changed)."""

    low: int = DEFAULT_SCALE[0]
    high: int = DEFAULT_SCALE[1]
    overrides: dict[str, Decimal] = field(default_factory=dict)

    def value_of(self, answer_id: str) -> Decimal:
        if answer_id in self.overrides:
            return self.overrides[answer_id]
        default = ANSWERS[answer_id].default_value
        return rescale(Decimal(default), DEFAULT_SCALE, (self.low, self.high))


def rescale(value: Decimal, old: tuple[int, int], new: tuple[int, int]) -> Decimal:
    if old == new:
        return value
    ratio = Decimal(new[1] - new[0]) / Decimal(old[1] - old[0])
    return (Decimal(new[0]) + (value - old[0]) * ratio).quantize(SCORE_PLACES, ROUND_HALF_UP)


def check_scale(low: int, high: int) -> None:
    if not (0 <= low < high <= 100):
        raise Invalid("the scale runs from a low below its high, within 0-100", field="scale")


def change_scale(settings: Settings, low: int, high: int) -> Settings:
    """A new scale; values changed on the old one move with it."""
    check_scale(low, high)
    moved = {
        k: rescale(v, (settings.low, settings.high), (low, high))
        for k, v in settings.overrides.items()
    }
    return Settings(low=low, high=high, overrides=moved)


def change_values(settings: Settings, values: dict[str, Decimal]) -> Settings:
    """Set answers' values on the current scale (a value equal to the default is dropped)."""
    problems: list[tuple[tuple[str, ...], str]] = []
    overrides = dict(settings.overrides)
    for answer_id, value in values.items():
        if answer_id not in ANSWERS:
            problems.append((("values", answer_id), "no such answer"))
        elif not settings.low <= value <= settings.high:
            problems.append((("values", answer_id), f"between {settings.low} and {settings.high}"))
        else:
            overrides[answer_id] = value.quantize(SCORE_PLACES, ROUND_HALF_UP)
    if problems:
        raise Invalid.of(problems)
    base = Settings(low=settings.low, high=settings.high)
    return Settings(settings.low, settings.high,
                    {k: v for k, v in overrides.items() if v != base.value_of(k)})  # fmt: skip


def check_answers(answers: dict[str, str]) -> None:
    """One answer per question, each an answer to that question; every question answered."""
    problems: list[tuple[tuple[str, ...], str]] = []
    for question in QUESTIONS:
        chosen = answers.get(question.id)
        if chosen is None:
            problems.append((("answers", question.id), "answer this question"))
        elif QUESTION_OF.get(chosen) != question.id:
            problems.append((("answers", question.id), "not an answer to this question"))
    for extra in set(answers) - {q.id for q in QUESTIONS}:
        problems.append((("answers", extra), "no such question"))
    if problems:
        raise Invalid.of(problems)


def score(settings: Settings, answers: dict[str, str]) -> Decimal:
    """The mean of the answers' values on the master's scale, to two places."""
    values = [settings.value_of(answer_id) for answer_id in answers.values()]
    return (sum(values, Decimal(0)) / len(values)).quantize(SCORE_PLACES, ROUND_HALF_UP)
