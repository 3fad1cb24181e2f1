"""The messaging service's tables (its own database)."""

from services.runtime.db import service_metadata

metadata = service_metadata()
