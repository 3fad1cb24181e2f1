from services.messaging.store import report_deliveries  # noqa: F401  (its table joins the metadata)
from services.messaging.store.tables import metadata
from services.runtime.migrations import run_env

run_env(metadata)
