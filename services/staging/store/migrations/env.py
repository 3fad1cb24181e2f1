from services.runtime.migrations import run_env
from services.staging.store.tables import metadata

run_env(metadata)
