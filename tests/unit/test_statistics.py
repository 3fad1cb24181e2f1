from uuid import UUID, uuid4

from contracts.access import ClientScope
from contracts.accounts import ApplicationStage
from services.analytics.domain.statistics import (
    GroupMembers,
    newest_groups,
    summarize,
    within_scope,
)


def test_groups_fold_into_totals_by_type_and_status() -> None:
    statistics = summarize(
        [("prospect", None, False, 4), ("prospect", "invited", False, 2),
         ("client", "open", False, 5), ("client", "closed", True, 1)]
    )  # fmt: skip
    assert (statistics.total, statistics.prospects, statistics.clients) == (12, 6, 6)
    assert statistics.closed == 1
    assert statistics.by_status[ApplicationStage.INVITED] == 2
    assert statistics.by_status[ApplicationStage.OPEN] == 5
    assert statistics.by_status[ApplicationStage.PENDING] == 0


def test_an_empty_book_has_every_stage_at_zero() -> None:
    statistics = summarize([])
    assert statistics.total == 0
    assert set(statistics.by_status) == set(ApplicationStage)


def test_a_scope_sees_every_prospect_and_the_clients_it_names() -> None:
    group = uuid4()
    named = ClientScope(all_clients=False, account_numbers=frozenset({"U1"}),
                        group_ids=frozenset({group}))  # fmt: skip

    def sees(scope: ClientScope, kind: str, account: str | None, groups: set[UUID]) -> bool:
        return within_scope(scope, kind=kind, account_number=account, group_ids=groups)

    assert sees(ClientScope.nothing(), "prospect", None, set())
    assert sees(ClientScope.everything(), "client", None, set())
    assert not sees(ClientScope.nothing(), "client", "U1", {group})
    assert sees(named, "client", "U1", set())
    assert sees(named, "client", None, {group, uuid4()})
    assert not sees(named, "client", "U2", {uuid4()})


def test_a_group_keeps_its_newest_state_and_a_deleted_one_has_no_members() -> None:
    group, ada, bob = uuid4(), uuid4(), uuid4()
    kept = newest_groups(
        [GroupMembers(group, "F1", 2, (ada, bob, ada)), GroupMembers(group, "F1", 1, (bob,))]
    )
    assert [(g.version, g.member_contact_ids) for g in kept] == [(2, (ada, bob))]
    assert GroupMembers(group, "F1", 3, (ada,), deleted=True).member_contact_ids == ()
