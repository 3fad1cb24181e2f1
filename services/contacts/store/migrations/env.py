from services.contacts.store.schema import metadata
from services.runtime.migrations import run_env

run_env(metadata)
