"""The JSON API under /api/v1: one error shape, one OpenAPI document."""
from flask import jsonify, render_template, request
from flask_smorest import Api as SmorestApi
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, StatementError
from werkzeug.exceptions import HTTPException

from wastechain.domain.errors import (Conflict, DomainError, Forbidden, InvalidTransition, NotFound, RuleViolation,
                                      ValidationFailed)
from wastechain.services.auth import Unauthorized

STATUS_BY_ERROR = ((Unauthorized, 401), (Forbidden, 403), (NotFound, 404), (InvalidTransition, 409),
                   (Conflict, 409), (ValidationFailed, 422), (RuleViolation, 422))
CODE_BY_STATUS = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                  405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
                  422: "VALIDATION_ERROR", 429: "TOO_MANY_REQUESTS"}

MESSAGES = {404: "接口不存在", 405: "该接口不支持此请求方法", 413: "请求体过大", 415: "请使用 application/json",
            500: "服务器内部错误，已记录，请稍后重试"}


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def status_of(error: DomainError) -> int:
    return next(status for kind, status in STATUS_BY_ERROR if isinstance(error, kind))


class Api(SmorestApi):
    def handle_http_exception(self, error: HTTPException):
        if not request.path.startswith("/api/"):
            return render_page_error(error.code, MESSAGES.get(error.code, error.description or error.name))
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if error.code == 400:
            return jsonify(error_body("BAD_REQUEST", "请求体不是有效的 JSON" if request.is_json else "请求格式错误",
                                      _flatten(messages))), 400
        if error.code == 422 or messages:
            return jsonify(error_body("VALIDATION_ERROR", "请求内容未通过校验", _flatten(messages))), 422
        code = CODE_BY_STATUS.get(error.code, "INTERNAL_ERROR" if error.code >= 500 else "HTTP_ERROR")
        return jsonify(error_body(code, MESSAGES.get(error.code, error.description or error.name))), error.code


def _flatten(messages) -> dict:
    """webargs nests messages under the location ("json", "query"); the client wants field → problem."""
    if not isinstance(messages, dict):
        return {}
    flat = {}
    for location, fields in messages.items():
        flat.update(fields if isinstance(fields, dict) else {location: fields})
    return flat


def render_page_error(status: int, message: str):
    """Pages get a readable page, never JSON or a stack trace."""
    if status == 400 and "CSRF" in message:
        message = "表单已过期或来源无效，请返回刷新后重试"
    return render_template("error.html", status=status, message=message), status


def handle_domain_error(error: DomainError):
    if not request.path.startswith("/api/"):
        return render_page_error(status_of(error), error.message)
    return jsonify(error_body(error.code, error.message, error.details)), status_of(error)


def handle_integrity_error(error: IntegrityError):
    """A unique constraint lost a race: nothing was written; the client may retry."""
    from wastechain.db import request_session

    request_session().rollback()
    return jsonify(error_body("CONFLICT", "与其他请求同时修改了同一记录，未保存任何内容，请重试")), 409


def handle_busy_database(error: OperationalError):
    from wastechain.db import request_session

    request_session().rollback()
    return jsonify(error_body("BUSY", "系统繁忙，请稍后重试")), 503


def init_api(app) -> Api:
    app.config.update(
        API_TITLE="wastechain", API_VERSION="v1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    from wastechain.api.common import IdConverter, handle_out_of_range

    app.url_map.converters["int"] = IdConverter
    api = Api(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearer": []}]})
    from wastechain.api import auth, batches, catalog, manifests, organizations, scan, users, approvals

    for module in (auth, catalog, organizations, users, approvals, batches, manifests, scan):
        api.register_blueprint(module.bp, url_prefix="/api/v1")
    from wastechain.api import containers, ledger, lineage  # storage, containers, lineage and ledger (issue 4)

    for module in (lineage, ledger, containers):
        api.register_blueprint(module.bp, url_prefix="/api/v1")
    from wastechain.api import anomalies, payments  # reconciliation, anomalies, payments, declarations (issue 5)

    for module in (anomalies, payments):
        api.register_blueprint(module.bp, url_prefix="/api/v1")
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_busy_database)
    app.register_error_handler(DataError, handle_out_of_range)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(StatementError, handle_out_of_range)  # a bound value the column cannot take

    @app.get("/api/v1/docs")
    def api_docs():
        """A browsable view of the OpenAPI document, rendered by us (no CDN)."""
        return render_template("api_docs.html", spec=api.spec.to_dict())

    return api
