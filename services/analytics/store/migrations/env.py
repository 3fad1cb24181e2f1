from services.analytics.store import (
    account_links,  # noqa: F401  (its table joins the metadata)
    margin,  # noqa: F401  (its table joins the metadata)
    report_tables,  # noqa: F401  (its tables join the metadata)
    tools_tables,  # noqa: F401  (its tables join the metadata)
)
from services.analytics.store.tables import metadata
from services.runtime.migrations import run_env

run_env(metadata)
