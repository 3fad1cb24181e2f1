from contracts.accounts import ApplicationStage
from services.analytics.domain.statistics import summarize


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
