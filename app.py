"""WSGI entry point: gunicorn app:app, flask --app app …"""
from wastechain import create_app

app = create_app()
