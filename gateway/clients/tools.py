"""The analytics service's tools (A4-A8) and fee administration (A9): one typed call each."""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

from contracts.api.fees import (  # fmt: skip
    ClientFeeIn,
    ClientFeeList,
    FeeTemplateIn,
    FeeTemplateList,
    FeeTemplateOut,
    InvoiceList,
    InvoiceOut,
    InvoiceRun,
    ReimbursementIn,
)
from contracts.api.tools import (  # fmt: skip
    AccountQuery,
    EsgAnswer,
    EsgForm,
    EsgInvitationList,
    EsgInvite,
    EsgResults,
    FieldList,
    GoalIn,
    GoalInputs,
    GoalList,
    GoalOut,
    Projection,
    QueryResult,
    RiskAnswers,
    RiskQuestionnaire,
    RiskScaleChange,
    RiskScoreList,
    RiskScoreOut,
    RiskValuesChange,
    RmdInputs,
    RmdList,
    RmdOut,
    SegmentDetail,
    SegmentList,
    SegmentSave,
)
from gateway.clients.http import Download, ServiceClients
from gateway.store.users import User


def _json(model: object) -> object:
    return model.model_dump(mode="json")  # type: ignore[attr-defined]


# --- A4
async def segment_fields(clients: ServiceClients, user: User) -> FieldList:
    return FieldList.model_validate(
        await clients.analytics.json("GET", "/tools/segments/fields", user)
    )


async def run_query(clients: ServiceClients, user: User, query: AccountQuery) -> QueryResult:
    return QueryResult.model_validate(
        await clients.analytics.json("POST", "/tools/segments/query", user, json=_json(query))
    )


async def list_segments(clients: ServiceClients, user: User) -> SegmentList:
    return SegmentList.model_validate(await clients.analytics.json("GET", "/tools/segments", user))


async def save_segment(clients: ServiceClients, user: User, command: SegmentSave) -> SegmentDetail:
    return SegmentDetail.model_validate(
        await clients.analytics.json("POST", "/tools/segments", user, json=_json(command))
    )


async def get_segment(clients: ServiceClients, user: User, segment_id: UUID) -> SegmentDetail:
    return SegmentDetail.model_validate(
        await clients.analytics.json("GET", f"/tools/segments/{segment_id}", user)
    )


async def refresh_segment(clients: ServiceClients, user: User, segment_id: UUID) -> SegmentDetail:
    return SegmentDetail.model_validate(
        await clients.analytics.json("POST", f"/tools/segments/{segment_id}/refresh", user)
    )


async def delete_segment(clients: ServiceClients, user: User, segment_id: UUID) -> None:
    await clients.analytics.call("DELETE", f"/tools/segments/{segment_id}", user)


# --- A5
async def risk_questionnaire(clients: ServiceClients, user: User) -> RiskQuestionnaire:
    return RiskQuestionnaire.model_validate(
        await clients.analytics.json("GET", "/tools/risk/questionnaire", user)
    )


async def change_risk_scale(
    clients: ServiceClients, user: User, command: RiskScaleChange
) -> RiskQuestionnaire:
    return RiskQuestionnaire.model_validate(
        await clients.analytics.json("PUT", "/tools/risk/scale", user, json=_json(command))
    )


async def change_risk_values(
    clients: ServiceClients, user: User, command: RiskValuesChange
) -> RiskQuestionnaire:
    return RiskQuestionnaire.model_validate(
        await clients.analytics.json("PUT", "/tools/risk/values", user, json=_json(command))
    )


async def risk_scores(clients: ServiceClients, user: User) -> RiskScoreList:
    return RiskScoreList.model_validate(
        await clients.analytics.json("GET", "/tools/risk/scores", user)
    )


async def record_risk_answers(
    clients: ServiceClients, user: User, account_number: str, command: RiskAnswers
) -> RiskScoreOut:
    path = f"/tools/risk/scores/{quote(account_number, safe='')}"
    return RiskScoreOut.model_validate(
        await clients.analytics.json("PUT", path, user, json=_json(command))
    )


# --- A6
async def project_goal(clients: ServiceClients, user: User, command: GoalInputs) -> Projection:
    return Projection.model_validate(
        await clients.analytics.json("POST", "/tools/goals/projection", user, json=_json(command))
    )


async def list_goals(clients: ServiceClients, user: User) -> GoalList:
    return GoalList.model_validate(await clients.analytics.json("GET", "/tools/goals", user))


async def add_goal(clients: ServiceClients, user: User, command: GoalIn) -> GoalOut:
    return GoalOut.model_validate(
        await clients.analytics.json("POST", "/tools/goals", user, json=_json(command))
    )


async def get_goal(clients: ServiceClients, user: User, goal_id: UUID) -> GoalOut:
    return GoalOut.model_validate(
        await clients.analytics.json("GET", f"/tools/goals/{goal_id}", user)
    )


async def remove_goal(clients: ServiceClients, user: User, goal_id: UUID) -> None:
    await clients.analytics.call("DELETE", f"/tools/goals/{goal_id}", user)


# --- A7
async def invite_esg(clients: ServiceClients, user: User, command: EsgInvite) -> EsgInvitationList:
    return EsgInvitationList.model_validate(
        await clients.analytics.json("POST", "/tools/esg/invitations", user, json=_json(command))
    )


async def esg_results(clients: ServiceClients, user: User) -> EsgResults:
    return EsgResults.model_validate(
        await clients.analytics.json("GET", "/tools/esg/results", user)
    )


async def esg_form(clients: ServiceClients, client: User, token: str) -> EsgForm:
    """The invited client's form, asked as the token's master."""
    return EsgForm.model_validate(
        await clients.analytics.json("GET", f"/esg-links/{quote(token, safe='')}", client)
    )


async def esg_answer(
    clients: ServiceClients, client: User, token: str, command: EsgAnswer
) -> EsgForm:
    path = f"/esg-links/{quote(token, safe='')}"
    return EsgForm.model_validate(
        await clients.analytics.json("PUT", path, client, json=_json(command))
    )


# --- A8
async def calculate_rmd(clients: ServiceClients, user: User, command: RmdInputs) -> RmdOut:
    return RmdOut.model_validate(
        await clients.analytics.json("POST", "/tools/rmd/calculate", user, json=_json(command))
    )


async def rmd_for_accounts(clients: ServiceClients, user: User, year: int) -> RmdList:
    return RmdList.model_validate(
        await clients.analytics.json("GET", "/tools/rmd", user, params={"year": year})
    )


async def rmd_for_account(
    clients: ServiceClients, user: User, account_number: str, year: int
) -> RmdOut:
    path = f"/tools/rmd/{quote(account_number, safe='')}"
    return RmdOut.model_validate(
        await clients.analytics.json("GET", path, user, params={"year": year})
    )


# --- A9
async def fee_templates(clients: ServiceClients, user: User) -> FeeTemplateList:
    return FeeTemplateList.model_validate(
        await clients.analytics.json("GET", "/fees/templates", user)
    )


async def add_fee_template(
    clients: ServiceClients, user: User, command: FeeTemplateIn
) -> FeeTemplateOut:
    return FeeTemplateOut.model_validate(
        await clients.analytics.json("POST", "/fees/templates", user, json=_json(command))
    )


async def client_fees(clients: ServiceClients, user: User) -> ClientFeeList:
    return ClientFeeList.model_validate(await clients.analytics.json("GET", "/fees/clients", user))


async def configure_client_fee(
    clients: ServiceClients, user: User, command: ClientFeeIn
) -> ClientFeeList:
    return ClientFeeList.model_validate(
        await clients.analytics.json("PUT", "/fees/clients", user, json=_json(command))
    )


async def generate_invoices(
    clients: ServiceClients, user: User, command: InvoiceRun
) -> InvoiceList:
    return InvoiceList.model_validate(
        await clients.analytics.json("POST", "/fees/invoices", user, json=_json(command))
    )


async def list_invoices(clients: ServiceClients, user: User) -> InvoiceList:
    return InvoiceList.model_validate(await clients.analytics.json("GET", "/fees/invoices", user))


async def get_invoice(clients: ServiceClients, user: User, invoice_id: UUID) -> InvoiceOut:
    return InvoiceOut.model_validate(
        await clients.analytics.json("GET", f"/fees/invoices/{invoice_id}", user)
    )


async def reimburse(
    clients: ServiceClients, user: User, invoice_id: UUID, command: ReimbursementIn
) -> InvoiceOut:
    path = f"/fees/invoices/{invoice_id}/reimbursements"
    return InvoiceOut.model_validate(
        await clients.analytics.json("POST", path, user, json=_json(command))
    )


async def invoices_csv(clients: ServiceClients, user: User) -> Download:
    return await clients.analytics.download("/fees/invoices.csv", user)


async def invoice_pdf(clients: ServiceClients, user: User, invoice_id: UUID) -> Download:
    return await clients.analytics.download(f"/fees/invoices/{invoice_id}/pdf", user)
