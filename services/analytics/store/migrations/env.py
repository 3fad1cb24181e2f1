from services.analytics.store import tools_tables  # noqa: F401  (its tables join the metadata)
from services.analytics.store.tables import metadata
from services.runtime.migrations import run_env

run_env(metadata)
