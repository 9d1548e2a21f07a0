"""WSGI entry point: gunicorn app:app, flask --app app …"""
from wastechain import create_app
from wastechain.settings import SettingsError

try:
    app = create_app()
except SettingsError as error:  # a clear message and a non-zero exit, not a traceback
    raise SystemExit(f"wastechain cannot start: {error}") from None
