"""/api/v1/tools/esg: ESG impact invitations and results (A7). The invited client answers on the
public page /esg/{token} (gateway/pages/tools.py)."""

from __future__ import annotations

from fastapi import APIRouter, status

from contracts.access import Right
from contracts.api.tools import EsgInvitationList, EsgInvite, EsgResults
from gateway.api.responses import SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import tools
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/tools/esg", tags=["tools"], responses=SERVICE_CALL, dependencies=[needs(Right.TOOLS)]
)


@router.post("/invitations", status_code=status.HTTP_201_CREATED)
async def invite(body: EsgInvite, user: CurrentUser, clients: ClientsDep) -> EsgInvitationList:
    return await tools.invite_esg(clients, user, body)


@router.get("/results")
async def results(user: CurrentUser, clients: ClientsDep) -> EsgResults:
    return await tools.esg_results(clients, user)
