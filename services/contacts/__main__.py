from services.contacts.app import create_app
from services.runtime.service import run

run(create_app)
