from services.runtime.service import run
from services.staging.app import create_app

run(create_app)
