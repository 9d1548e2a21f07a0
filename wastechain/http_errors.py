"""The one mapping of errors to answers: domain errors, database races and busy or out-of-range values become the
API's JSON error shape (API.md) under /api/, and a readable Chinese page everywhere else. Nothing leaks a 500.

Every handler rolls the request's session back first, so a refused request has written nothing.
"""
import logging

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DataError, IntegrityError, OperationalError, StatementError
from werkzeug.exceptions import HTTPException

from wastechain.domain.errors import (Busy, Conflict, DomainError, Forbidden, InvalidTransition, NotFound,
                                      RuleViolation, Unauthorized, ValidationFailed)
from wastechain.i18n import message_of
from wastechain.requestctx import db

log = logging.getLogger(__name__)

STATUS_BY_ERROR = ((Unauthorized, 401), (Forbidden, 403), (NotFound, 404), (InvalidTransition, 409),
                   (Conflict, 409), (ValidationFailed, 422), (RuleViolation, 422), (Busy, 503))
CODE_BY_STATUS = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                  405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
                  422: "VALIDATION_ERROR", 429: "TOO_MANY_REQUESTS"}
MESSAGES = {400: "请求格式错误", 401: "请先登录", 403: "无权执行此操作", 404: "页面或接口不存在",
            405: "该接口不支持此请求方法", 413: "请求体过大", 415: "请使用 application/json", 429: "尝试次数过多，请稍后再试",
            500: "服务器内部错误，已记录，请稍后重试"}
CSRF_MESSAGE = "表单已过期或来源无效，请返回刷新后重试"


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def status_of(error: DomainError) -> int:
    return next((status for kind, status in STATUS_BY_ERROR if isinstance(error, kind)), 422)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json or request.accept_mimetypes.best == "application/json"


BARE_PAGE = ('<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{status} · wastechain</title>'
             '<h1>出错了（{status}）</h1><p>{message}</p><p><a href="/">首页</a></p></html>')


def answer(status: int, code: str, message: str, details: dict | None = None):
    """JSON for the API and scripts, a readable page for people."""
    if wants_json():
        return jsonify(error_body(code, message, details)), status
    try:
        return render_template("error.html", status=status, message=message), status
    except Exception:  # noqa: BLE001 — the page needs the logged-in user, which needs the database that just failed
        log.exception("error page could not be rendered; answering a bare page")
        return BARE_PAGE.format(status=status, message=message), status, {"Content-Type": "text/html; charset=utf-8"}


def _rollback() -> None:
    try:
        db().rollback()
    except DBAPIError:  # the connection is gone: nothing was committed, and the session is closed at teardown
        log.warning("rollback failed on a broken connection", exc_info=True)


def domain_error(error: DomainError):
    _rollback()
    return answer(status_of(error), error.code, message_of(error), error.details)


def integrity_error(_error: IntegrityError):
    """A unique constraint lost a race: nothing was written; the client may retry."""
    _rollback()
    return answer(409, "CONFLICT", "与其他请求同时修改了同一记录，未保存任何内容，请重试")


# PostgreSQL SQLSTATEs of a database that is there but cannot serve now: connection exceptions (08), insufficient
# resources (53), operator intervention (57: shutdown, cancelled by a timeout), lock not available, and the
# serialization failures and deadlocks a retry gets past (40).
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57", "55P03", "40001", "40P01")
# SQLite's words for the same (a writer holds the lock, the file cannot be opened or written).
UNAVAILABLE_SQLITE_WORDS = ("locked", "busy", "unable to open", "disk i/o", "readonly", "database or disk is full")


def is_unavailable(error: OperationalError) -> bool:
    """Whether the database is down, locked or overloaded (retry later), not a fault in our SQL or schema."""
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if sqlstate:
        return sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES)
    text = str(error.orig).lower()
    if error.orig.__class__.__module__.startswith("sqlite3"):
        return any(word in text for word in UNAVAILABLE_SQLITE_WORDS)
    return True  # a driver error without a SQLSTATE: psycopg's own connection failures (cannot connect, closed)


def busy_database(error: OperationalError):
    """A database that is unavailable, locked or too busy: 503, the client retries. Anything else is a real fault."""
    if not is_unavailable(error):
        raise error  # e.g. SQLite's "no such table": a 500 that gets logged, not a "please retry" that hides it
    _rollback()
    return answer(503, Busy.code, "系统繁忙，请稍后重试")


# PostgreSQL data exceptions (class 22) and what they mean to the person who sent the value.
DATA_ERROR_MESSAGES = {"22003": "数值超出允许范围", "22008": "时间超出允许范围", "22001": "文本过长",
                       "22021": "包含无效字符", "22P05": "包含无效字符"}


def data_error(error: DataError):
    """A value the column cannot take: 422 with what is really wrong; nothing was written."""
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    message = DATA_ERROR_MESSAGES.get(sqlstate or "")
    if message is None:
        text = str(error.orig)
        message = "包含无效字符" if "NUL" in text or "0x00" in text else "数据格式不被接受"
    log.info("data error answered 422: %s", error.orig)
    _rollback()
    return answer(422, "VALIDATION_ERROR", message)


def out_of_range(error):
    """A number too large for its column, or a time that cannot be converted to UTC: nothing was written."""
    if isinstance(error, StatementError) and not isinstance(error, DBAPIError) \
            and not isinstance(error.orig, OverflowError):
        raise error  # not a value out of range: a real fault
    _rollback()
    return answer(422, "VALIDATION_ERROR", "数值超出允许范围")


def unencodable_text(_error: UnicodeEncodeError):
    """Text UTF-8 cannot encode (a lone surrogate that got past the input checks): refused, nothing written."""
    _rollback()
    return answer(422, "VALIDATION_ERROR", "包含无效的 Unicode 字符")


def csrf_failed(_error: CSRFError):
    # The phone's sync script reads the JSON code to know it should fetch a fresh token and retry.
    return answer(400, "CSRF_INVALID", CSRF_MESSAGE)


def http_exception(error: HTTPException):
    """Werkzeug's and webargs' errors (malformed JSON, unknown URL, invalid input) in our shape."""
    if error.code is None or error.code < 400:
        return error
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if wants_json() and error.code == 400:
        return answer(400, "BAD_REQUEST", "请求体不是有效的 JSON" if request.is_json else "请求格式错误",
                      _flatten(messages))
    if wants_json() and (error.code == 422 or messages):
        return answer(422, "VALIDATION_ERROR", "请求内容未通过校验", _flatten(messages))
    if error.code == 429:
        return too_many_requests(error)
    code = CODE_BY_STATUS.get(error.code, "INTERNAL_ERROR" if error.code >= 500 else "HTTP_ERROR")
    message = MESSAGES.get(error.code, error.description or error.name)
    if not wants_json() and error.code == 404:
        message = "页面不存在"
    return answer(error.code, code, message)


def too_many_requests(error: HTTPException):
    """A throttled attempt (wastechain.throttle): 429 with Retry-After in seconds, in the API's shape or as a page."""
    retry_after = getattr(error, "retry_after", None)
    seconds = retry_after if isinstance(retry_after, int) else None
    message = error.description if seconds is not None else MESSAGES[429]
    response = make_response(answer(429, CODE_BY_STATUS[429], message, {"retry_after": seconds} if seconds else None))
    response.headers["Retry-After"] = str(seconds or 60)
    return response


def _flatten(messages) -> dict:
    """webargs nests messages under the location ("json", "query"); the client wants field → problem."""
    if not isinstance(messages, dict):
        return {}
    flat = {}
    for location, fields in messages.items():
        flat.update(fields if isinstance(fields, dict) else {location: fields})
    return flat


def init_app(app) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(IntegrityError, integrity_error)
    app.register_error_handler(OperationalError, busy_database)
    app.register_error_handler(DataError, data_error)
    app.register_error_handler(OverflowError, out_of_range)
    app.register_error_handler(StatementError, out_of_range)  # a bound value the column cannot take
    app.register_error_handler(UnicodeEncodeError, unencodable_text)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(HTTPException, http_exception)
