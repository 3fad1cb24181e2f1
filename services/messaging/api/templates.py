"""Routes: message templates (M6), the variables they may use, and checking one with a preview."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from contracts.access import Right
from contracts.api.message_templates import (
    PreviewOut,
    TemplateCheck,
    TemplateCheckOut,
    TemplateCreate,
    TemplateList,
    TemplateOut,
    TemplateUpdate,
    VariableList,
    VariableOut,
)
from services.messaging.api.deps import DatabaseDep
from services.messaging.domain.templates import SAMPLE_VARIABLES, VARIABLES, MessageTemplate
from services.messaging.service_layer import templates
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(
    prefix="/templates",
    tags=["templates"],
    dependencies=[Depends(requires(Right.COMMUNICATION_CENTER))],
)


def _view(template: MessageTemplate) -> TemplateOut:
    return TemplateOut(
        id=template.id, name=template.name, subject=template.subject, body=template.body,
        created_by_user_id=template.created_by_user_id, created_at=template.created_at,
        updated_at=template.updated_at, version=template.version,
    )  # fmt: skip


@router.get("")
async def list_templates(caller: CallerDep, database: DatabaseDep) -> TemplateList:
    async with database.unit_of_work() as uow:
        found = await templates.list_templates(uow, caller)
    return TemplateList(items=[_view(template) for template in found])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_template(
    body: TemplateCreate, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> TemplateOut:
    async with database.transaction() as uow:
        template = await templates.create_template(uow, caller, body, now=clock.now())
    return _view(template)


@router.get("/variables")
async def list_variables() -> VariableList:
    """The variables a template may use, with what each holds and a sample value."""
    return VariableList(
        items=[
            VariableOut(name=name, description=description, sample=SAMPLE_VARIABLES[name])
            for name, description in VARIABLES.items()
        ]
    )


@router.post("/check")
async def check_template(
    body: TemplateCheck, caller: CallerDep, database: DatabaseDep
) -> TemplateCheckOut:
    """422 naming each problem; else the message on each channel for a sample recipient."""
    async with database.unit_of_work() as uow:
        previews = await templates.preview_template(uow, caller, body)
    return TemplateCheckOut(
        previews=[
            PreviewOut(
                channel=preview.channel,
                subject=preview.subject,
                html=preview.html,
                text=preview.text,
                sha256=preview.sha256,
            )
            for preview in previews
        ],
        variables=dict(SAMPLE_VARIABLES),
    )


@router.get("/{template_id}")
async def get_template(template_id: UUID, caller: CallerDep, database: DatabaseDep) -> TemplateOut:
    async with database.unit_of_work() as uow:
        template = await templates.get_template(uow, caller, template_id)
    return _view(template)


@router.put("/{template_id}")
async def update_template(
    template_id: UUID,
    body: TemplateUpdate,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> TemplateOut:
    async with database.transaction() as uow:
        template = await templates.update_template(uow, caller, template_id, body, now=clock.now())
    return _view(template)


@router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(template_id: UUID, caller: CallerDep, database: DatabaseDep) -> Response:
    async with database.transaction() as uow:
        await templates.delete_template(uow, caller, template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
