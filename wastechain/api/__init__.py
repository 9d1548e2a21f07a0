"""The JSON API under /api/v1: one OpenAPI document; errors answer in API.md's shape (wastechain.http_errors)."""
import marshmallow as ma
from flask import render_template
from flask_smorest import Api as SmorestApi

from wastechain import http_errors
from wastechain.api import (anomalies, approvals, auth, batches, catalog, containers, corrections, ledger, lineage,
                            manifests, organizations, paper, payments, scan, users)
from wastechain.api.common import IdConverter
from wastechain.api.links import LinksPlugin

RESOURCES = (auth, catalog, organizations, users, approvals, batches, manifests, scan, lineage, ledger, containers,
             anomalies, payments, corrections, paper)


class ErrorDetailOut(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "machine-readable, e.g. VALIDATION_ERROR"})
    message = ma.fields.String(required=True, metadata={"description": "in the request's language"})
    details = ma.fields.Dict(required=True)


class ErrorOut(ma.Schema):
    """API.md's error shape, which every error answer has (wastechain.http_errors)."""

    error = ma.fields.Nested(ErrorDetailOut, required=True)


class Api(SmorestApi):
    ERROR_SCHEMA = ErrorOut  # documents the errors as they are answered, not flask-smorest's own shape

    def handle_http_exception(self, error):
        return http_errors.http_exception(error)


def init_api(app) -> Api:
    app.config.update(
        API_TITLE="wastechain", API_VERSION="v1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.url_map.converters["int"] = IdConverter
    api = Api(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearer": []}],
        "extra_plugins": [LinksPlugin()]})
    for module in RESOURCES:
        api.register_blueprint(module.bp, url_prefix="/api/v1")

    @app.get("/api/v1/docs")
    def api_docs():
        """A browsable view of the OpenAPI document, rendered by us (no CDN)."""
        return render_template("api_docs.html", spec=api.spec.to_dict())

    return api
