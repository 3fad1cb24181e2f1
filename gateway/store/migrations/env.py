from gateway.store.tables import metadata
from services.runtime.migrations import run_env

run_env(metadata)
