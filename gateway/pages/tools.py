"""Pages: the tools (A4-A8) — account data queries and segments, risk scores, the goal tracker
(with a fan chart drawn as SVG on the server: no script, nothing from outside), ESG impact
preferences (and the invited client's public page /esg/{token}) and the RMD calculator."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.api.tools import (  # fmt: skip
    AccountQuery,
    CriterionIn,
    EsgAnswer,
    EsgInvite,
    GoalInputs,
    Projection,
    RiskAnswers,
    RiskScaleChange,
    RiskValuesChange,
    RmdInputs,
    SegmentSave,
)
from gateway.auth.rights import needs, public
from gateway.clients import tools
from gateway.deps import ClientsDep
from gateway.pages.deps import PageUser, PostedForm, SubmittedForm
from gateway.pages.forms import refusal_errors
from gateway.pages.rendering import render
from gateway.store.users import User

staff = APIRouter(include_in_schema=False, dependencies=[needs(Right.TOOLS)])
client_router = APIRouter(include_in_schema=False)
"""The invited client's public page; ``router`` (the end of this module) serves both."""

CRITERIA_ROWS = 4
ESG_TOKEN = re.compile(r"^(?P<master>[A-Za-z0-9_-]{1,32})\.[A-Za-z0-9_-]{20,64}$")
"""An ESG link's token: the master part scopes the lookup (as for account invitations)."""
WIDTH, HEIGHT, PAD = 640, 300, 48


def fan_chart(projection: Projection) -> dict[str, Any]:
    """SVG coordinates of the fan: the 5-95 and 25-75 bands, the median and the goal line."""
    years = projection.years
    top = max(max(projection.percentiles["p95"]), projection.goal_amount) * 1.05 or 1.0

    def x(i: int) -> float:
        return round(PAD + (WIDTH - 2 * PAD) * i / max(1, len(years) - 1), 1)

    def y(v: float) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top, 1)

    def band(low: str, high: str) -> str:
        upper = [f"{x(i)},{y(v)}" for i, v in enumerate(projection.percentiles[high])]
        lower = [
            f"{x(i)},{y(v)}" for i, v in reversed(list(enumerate(projection.percentiles[low])))
        ]
        return " ".join(upper + lower)

    ticks = [(round(top * k / 4), y(top * k / 4)) for k in range(5)]
    return {"width": WIDTH, "height": HEIGHT, "outer": band("p5", "p95"), "inner": band("p25", "p75"),
            "median": " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(projection.percentiles["p50"])),
            "goal_y": y(projection.goal_amount), "left": PAD, "right": WIDTH - PAD, "bottom": HEIGHT - PAD,
            "ticks": ticks, "year_ticks": [(years[i], x(i)) for i in range(0, len(years), max(1, len(years) // 6))]}  # fmt: skip


@staff.get("/tools")
async def hub(request: Request, user: PageUser) -> Response:
    return render(request, "tools/hub.html", user=user, active="tools")


# --- A6 goal tracker ----------------------------------------------------------------------

GOAL_DEFAULTS = {"current_value": "100000", "monthly_contribution": "500", "annual_return": "6",
                 "annual_volatility": "12", "years": "20", "goal_amount": "400000"}  # fmt: skip


def _goal_inputs(form: dict[str, str]) -> GoalInputs:
    def percent(name: str) -> str:
        try:
            return str(float(form.get(name, "")) / 100)
        except ValueError:
            return form.get(name, "")

    return GoalInputs.model_validate({**{k: form.get(k, "") for k in GOAL_DEFAULTS},
                                      "annual_return": percent("annual_return"),
                                      "annual_volatility": percent("annual_volatility")})  # fmt: skip


@staff.get("/tools/goals")
async def goals_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _goals_view(request, user, clients, dict(GOAL_DEFAULTS))


@staff.post("/tools/goals")
async def goals_project(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _goals_view(request, user, clients, form)


async def _goals_view(request: Request, user: User, clients: Any, form: dict[str, str]) -> Response:
    errors: dict[str, str] = {}
    projection = None
    try:
        projection = await tools.project_goal(clients, user, _goal_inputs(form))
    except ValidationError as error:
        errors = {str(e["loc"][0]): e["msg"] for e in error.errors()}
    except HTTPException as error:
        errors = refusal_errors(error) if error.status_code == 422 else {"": str(error.detail)}
    chart = fan_chart(projection) if projection else None
    return render(request, "tools/goals.html", user=user, active="tools", form=form, errors=errors,
                  projection=projection, chart=chart, status_code=422 if errors else 200)  # fmt: skip


# --- A8 RMD -------------------------------------------------------------------------------


@staff.get("/tools/rmd")
async def rmd_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    try:
        year = max(2022, min(int(request.query_params.get("year", date.today().year)), 2100))
    except ValueError:
        year = date.today().year
    listing = await tools.rmd_for_accounts(clients, user, year)
    return render(
        request,
        "tools/rmd.html",
        user=user,
        active="tools",
        listing=listing,
        form={},
        result=None,
        errors={},
    )


@staff.post("/tools/rmd")
async def rmd_calculate(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    errors: dict[str, str] = {}
    result = None
    try:
        command = RmdInputs.model_validate({**form, "spouse_birth_date": form.get("spouse_birth_date") or None,
                                            "spouse_sole_beneficiary": bool(form.get("spouse_sole_beneficiary"))})  # fmt: skip
        result = await tools.calculate_rmd(clients, user, command)
    except ValidationError as error:
        errors = {str(e["loc"][0]): e["msg"] for e in error.errors()}
    except HTTPException as error:
        if error.status_code != 422:
            raise
        errors = refusal_errors(error)
    listing = await tools.rmd_for_accounts(clients, user, date.today().year)
    return render(request, "tools/rmd.html", user=user, active="tools", listing=listing, form=form,
                  result=result, errors=errors, status_code=422 if errors else 200)  # fmt: skip


# --- A4 segments --------------------------------------------------------------------------


def _query(form: dict[str, Any]) -> tuple[AccountQuery, list[dict[str, str]]]:
    rows, criteria = [], []
    for i in range(CRITERIA_ROWS):
        field, op, value = (str(form.get(f"{k}{i}", "")).strip() for k in ("field", "op", "value"))
        rows.append({"field": field, "op": op, "value": value})
        if not field:
            continue
        parsed: Any = value
        if op in ("in", "any_of", "all_of", "between"):
            parsed = (
                [v.strip() or None for v in value.split(",")]
                if op == "between"
                else [v.strip() for v in value.split(",") if v.strip()]
            )
        elif op == "is":
            parsed = value.lower() in ("true", "yes", "1")
        criteria.append(CriterionIn(field=field, op=op, value=parsed))
    return AccountQuery(
        criteria=criteria, match="any" if form.get("match") == "any" else "all"
    ), rows


@staff.get("/tools/segments")
async def segments_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _segments_view(request, user, clients, {})


@staff.post("/tools/segments")
async def segments_query(
    request: Request, user: PageUser, form: SubmittedForm, clients: ClientsDep
) -> Response:
    return await _segments_view(
        request, user, clients, {k: v for k, v in form.items() if k != "csrf_token"}
    )


async def _segments_view(
    request: Request, user: User, clients: Any, form: dict[str, Any]
) -> Response:
    query, rows = _query(form)
    result, errors, saved = None, {}, None
    if form:
        try:
            if form.get("action") == "save":
                saved = await tools.save_segment(
                    clients, user, SegmentSave(name=str(form.get("name", "")), **query.model_dump())
                )
            result = await tools.run_query(clients, user, query)
        except ValidationError as error:
            errors = {"name": "; ".join(e["msg"] for e in error.errors())}
        except HTTPException as error:
            if error.status_code not in (403, 422):
                raise
            errors = refusal_errors(error) if error.status_code == 422 else {"": str(error.detail)}
    deleted = not form and request.query_params.get("done") == "deleted"
    return render(request, "tools/segments.html", user=user, active="tools", rows=rows, form=form,
                  deleted=deleted,
                  fields=(await tools.segment_fields(clients, user)).items,
                  segments=(await tools.list_segments(clients, user)).items, result=result, saved=saved,
                  errors=errors, status_code=422 if errors else 200)  # fmt: skip


@staff.get("/tools/segments/{segment_id}")
async def segment_page(
    request: Request, segment_id: UUID, user: PageUser, clients: ClientsDep
) -> Response:
    segment = await tools.get_segment(clients, user, segment_id)
    refreshed = request.query_params.get("done") == "refreshed"
    return render(request, "tools/segment.html", user=user, active="tools", segment=segment,
                  refreshed=refreshed)  # fmt: skip


@staff.post("/tools/segments/{segment_id}/refresh")
async def segment_refresh(
    segment_id: UUID, user: PageUser, _: PostedForm, clients: ClientsDep
) -> Response:
    """The segment's members again (a new version, published to the communication center)."""
    await tools.refresh_segment(clients, user, segment_id)
    return RedirectResponse(f"/tools/segments/{segment_id}?done=refreshed", status_code=303)


@staff.post("/tools/segments/{segment_id}/delete")
async def segment_delete(
    segment_id: UUID, user: PageUser, _: PostedForm, clients: ClientsDep
) -> Response:
    """Gone, and no longer offered as a recipient list."""
    await tools.delete_segment(clients, user, segment_id)
    return RedirectResponse("/tools/segments?done=deleted", status_code=303)


# --- A5 risk ------------------------------------------------------------------------------


RISK_NOTICES = {"values": "Answer values saved; every score is recomputed.",
                "scale": "Scale changed; every value and score moved with it.",
                "scored": "Questionnaire saved and scored."}  # fmt: skip


async def _risk_view(
    request: Request, user: User, clients: Any, errors: dict[str, str] | None = None
) -> Response:
    return render(request, "tools/risk.html", user=user, active="tools", errors=errors or {},
                  notice=RISK_NOTICES.get(request.query_params.get("done", "")),
                  questionnaire=await tools.risk_questionnaire(clients, user),
                  scores=(await tools.risk_scores(clients, user)).items,
                  status_code=422 if errors else 200)  # fmt: skip


@staff.get("/tools/risk")
async def risk_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _risk_view(request, user, clients)


@staff.post("/tools/risk/answers")
async def risk_answers(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    answers = {k.removeprefix("q_"): v for k, v in form.items() if k.startswith("q_")}
    try:
        await tools.record_risk_answers(
            clients,
            user,
            form.get("account_number", "").upper()[:12] or "X",
            RiskAnswers(answers=answers),
        )
    except (ValidationError, HTTPException) as error:
        if isinstance(error, HTTPException) and error.status_code not in (404, 422):
            raise
        problem = (
            "No such client account."
            if isinstance(error, HTTPException) and error.status_code == 404
            else "Answer every question."
        )
        return await _risk_view(request, user, clients, {"": problem})
    return RedirectResponse("/tools/risk?done=scored", status_code=303)


@staff.post("/tools/risk/values")
async def risk_values(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    """Each answer's value on the current scale (fields ``v_<answer id>``)."""
    values = {k.removeprefix("v_"): v for k, v in form.items() if k.startswith("v_")}
    try:
        await tools.change_risk_values(
            clients, user, RiskValuesChange.model_validate({"values": values})
        )
    except (ValidationError, HTTPException) as error:
        problems = refusal_errors(error)
        return await _risk_view(request, user, clients, {
            f"v_{key.split('.', 1)[1]}" if key.startswith("values.") else "values": message
            for key, message in problems.items()} or {"values": "Check the values."})  # fmt: skip
    return RedirectResponse("/tools/risk?done=values", status_code=303)


@staff.post("/tools/risk/scale")
async def risk_scale(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    try:
        command = RiskScaleChange.model_validate({"low": form.get("low"), "high": form.get("high")})
        await tools.change_risk_scale(clients, user, command)
    except (ValidationError, HTTPException) as error:
        problems = refusal_errors(error)
        return await _risk_view(request, user, clients, {
            "scale": "; ".join(f"{k}: {m}" if k not in ("", "scale") else m
                               for k, m in problems.items()) or "Check the scale."})  # fmt: skip
    return RedirectResponse("/tools/risk?done=scale", status_code=303)


# --- A7 ESG -------------------------------------------------------------------------------


@staff.get("/tools/esg")
async def esg_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return render(request, "tools/esg.html", user=user, active="tools", results=await tools.esg_results(clients, user),
                  links=[], errors={})  # fmt: skip


@staff.post("/tools/esg")
async def esg_invite(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    numbers = [
        n.strip().upper()
        for n in form.get("account_numbers", "").replace(",", " ").split()
        if n.strip()
    ]
    links, errors = [], {}
    try:
        made = await tools.invite_esg(clients, user, EsgInvite(account_numbers=numbers))
        links = [(i.account_number, f"{request.base_url}esg/{i.link_token}") for i in made.items]
    except ValidationError:
        errors = {"account_numbers": "List one to 500 account numbers."}
    except HTTPException as error:
        if error.status_code != 422:
            raise
        errors = {
            "account_numbers": "; ".join(refusal_errors(error).values()) or "Not a client account."
        }
    return render(request, "tools/esg.html", user=user, active="tools", results=await tools.esg_results(clients, user),
                  links=links, errors=errors, status_code=422 if errors else 200)  # fmt: skip


def _invited(token: str) -> User | None:
    match = ESG_TOKEN.match(token) if len(token) <= 200 else None
    if match is None:
        return None
    master = match["master"]
    return User(id=UUID(int=0), master_account_id=master, username="esg-client", display_name="Client", password_hash="")  # fmt: skip


@client_router.get("/esg/{token}", dependencies=[public()])
async def esg_client_page(request: Request, token: str, clients: ClientsDep) -> Response:
    client = _invited(token)
    if client is None:
        return render(
            request,
            "tools/esg_client.html",
            user=None,
            status_code=404,
            problem="This link is not valid.",
        )
    try:
        esg_form = await tools.esg_form(clients, client, token)
    except HTTPException as error:
        if error.status_code in (404, 422):
            return render(
                request,
                "tools/esg_client.html",
                user=None,
                status_code=404,
                problem="This link is not valid.",
            )
        raise
    response = render(request, "tools/esg_client.html", user=None, form=esg_form, token=token)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@client_router.post("/esg/{token}", dependencies=[public()])
async def esg_client_answer(request: Request, token: str, clients: ClientsDep) -> Response:
    client = _invited(token)
    if client is None:
        return render(
            request,
            "tools/esg_client.html",
            user=None,
            status_code=404,
            problem="This link is not valid.",
        )
    form = await request.form()
    values = [str(v) for v in form.getlist("values")][:13]
    try:
        saved = await tools.esg_answer(clients, client, token, EsgAnswer(values=values))
    except HTTPException as error:
        if error.status_code == 404:
            return render(
                request,
                "tools/esg_client.html",
                user=None,
                status_code=404,
                problem="This link is not valid.",
            )
        if error.status_code != 422:
            raise
        esg_form = await tools.esg_form(clients, client, token)
        return render(request, "tools/esg_client.html", user=None, form=esg_form, token=token, status_code=422,
                      problem="Choose at least one value.")  # fmt: skip
    response = render(
        request, "tools/esg_client.html", user=None, form=saved, token=token, thanks=True
    )
    response.headers["Cache-Control"] = "no-store"
    return response


router = APIRouter(include_in_schema=False)
router.include_router(staff)
router.include_router(client_router)
