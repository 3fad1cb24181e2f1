"""The contacts service's API on a real database: tenancy, validation, search."""

from __future__ import annotations

from typing import get_args

from contracts.api.contacts import ContactOut, SortColumn
from tests.integration.conftest import RunningService, a_master


async def test_a_master_never_sees_another_masters_contacts(
    contacts_service: RunningService,
) -> None:
    alpha, beta = a_master(), a_master()
    created = await contacts_service.http.post(
        "/contacts",
        json={"first_name": "Only", "last_name": "Alpha"},
        headers=contacts_service.as_master(alpha),
    )
    assert created.status_code == 201
    contact_id = created.json()["id"]
    as_beta = contacts_service.as_master(beta)
    assert (await contacts_service.http.get("/contacts", headers=as_beta)).json()["total"] == 0
    assert (
        await contacts_service.http.get(f"/contacts/{contact_id}", headers=as_beta)
    ).status_code == 404
    as_alpha = contacts_service.as_master(alpha)
    assert (
        await contacts_service.http.get(f"/contacts/{contact_id}", headers=as_alpha)
    ).status_code == 200


async def test_requests_without_the_internal_token_are_refused(
    contacts_service: RunningService,
) -> None:
    headers = contacts_service.as_master(a_master()) | {"X-Internal-Token": "guess"}
    assert (await contacts_service.http.get("/contacts", headers=headers)).status_code == 401
    del headers["X-Internal-Token"]
    response = await contacts_service.http.get("/contacts", headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "x-internal-token"]


async def test_bad_input_names_the_field(contacts_service: RunningService) -> None:
    response = await contacts_service.http.post(
        "/contacts", json={"first_name": "Ada", "last_name": "", "email": "nope"},
        headers=contacts_service.as_master(a_master()),
    )  # fmt: skip
    assert response.status_code == 422
    fields = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert fields == {("body", "last_name"), ("body", "email")}


async def test_search_matches_name_email_and_is_case_insensitive(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    for first, last, email in [("Marie", "Curie", "marie@radium.example"), ("Pierre", "Curie", None),
                               ("Niels", "Bohr", "niels@copenhagen.example")]:  # fmt: skip
        body = {"first_name": first, "last_name": last} | ({"email": email} if email else {})
        assert (
            await contacts_service.http.post("/contacts", json=body, headers=headers)
        ).status_code == 201

    async def names(query: str) -> list[str]:
        response = await contacts_service.http.get(
            "/contacts", params={"q": query}, headers=headers
        )
        return sorted(item["name"] for item in response.json()["items"])

    assert await names("CURIE") == ["Marie Curie", "Pierre Curie"]
    assert await names("copenhagen") == ["Niels Bohr"]
    assert await names("100%_") == []


SORT_COLUMNS = get_args(SortColumn)
FILTERS: list[dict[str, str]] = [
    {},
    {"kind": "prospect"},
    {"kind": "client"},
    {"account_type": "individual"},
    {"status": "invited"},
    {"group_id": "00000000-0000-0000-0000-000000000000"},
    {"include_closed": "false"},
    {"q": "sorting"},
    {"q": "so"},
]


async def test_every_sort_works_with_every_filter(contacts_service: RunningService) -> None:
    """Filtered matches are sorted in memory, by keys the table does not always show (the
    creation time): every sort, each way, with every filter, in the right order."""
    headers = contacts_service.as_master(a_master())
    for last_name in ("Sorting-b", "Sorting-c", "Sorting-a"):
        body = {"first_name": "Sam", "last_name": last_name, "account_type": "individual"}
        created = await contacts_service.http.post("/contacts", json=body, headers=headers)
        assert created.status_code == 201
    for sort in SORT_COLUMNS:
        for order in ("asc", "desc"):
            for filters in FILTERS:
                params = {"sort": sort, "order": order, **filters}
                response = await contacts_service.http.get(
                    "/contacts", params=params, headers=headers
                )
                assert response.status_code == 200, (params, response.text)
    newest_first = await contacts_service.http.get(
        "/contacts",
        params={"sort": "created_at", "order": "desc", "account_type": "individual"},
        headers=headers,
    )
    names = [item["last_name"] for item in newest_first.json()["items"]]
    assert names == ["Sorting-a", "Sorting-c", "Sorting-b"]
    assert set(newest_first.json()["items"][0]) == set(ContactOut.model_fields)
