"""The one mapping of errors to answers: domain errors, database races and busy or out-of-range values become the
API's JSON error shape (API.md) under /api/, and a readable Chinese page everywhere else. Nothing leaks a 500.

Every handler rolls the request's session back first, so a refused request has written nothing.
"""
import logging

import re

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DataError, IntegrityError, OperationalError, StatementError
from werkzeug.exceptions import HTTPException

from wastechain.domain.errors import (Busy, Conflict, DomainError, Forbidden, InvalidTransition, NotFound,
                                      RuleViolation, Unauthorized, ValidationFailed)
from wastechain.domain.fieldnames import field_name
from wastechain.domain.text import N_
from wastechain.i18n import CJK, DEFAULT, language, message_of
from wastechain.requestctx import db

log = logging.getLogger(__name__)

STATUS_BY_ERROR = ((Unauthorized, 401), (Forbidden, 403), (NotFound, 404), (InvalidTransition, 409),
                   (Conflict, 409), (ValidationFailed, 422), (RuleViolation, 422), (Busy, 503))
CODE_BY_STATUS = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                  405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
                  422: "VALIDATION_ERROR", 429: "TOO_MANY_REQUESTS"}
MESSAGES = {400: N_("请求格式错误"), 401: N_("请先登录"), 403: N_("无权执行此操作"), 404: N_("页面或接口不存在"),
            405: N_("该接口不支持此请求方法"), 413: N_("请求体过大"), 415: N_("请使用 application/json"),
            429: N_("尝试次数过多，请稍后再试"), 500: N_("服务器内部错误，已记录，请稍后重试")}
CSRF_MESSAGE = N_("表单已过期或来源无效，请返回刷新后重试")
INVALID_MESSAGE = N_("请求内容未通过校验")
# A throttled attempt (wastechain.throttle), given in the request's language by too_many_requests
WAIT_MESSAGE = N_("尝试次数过多，请 {seconds} 秒后再试")
# marshmallow's own (English) problems as a person reads them; the text's numbers become the template's fields.
PROBLEMS = (
    (re.compile(r"Missing data for required field\."), N_("必须填写")),
    (re.compile(r"Field may not be null\."), N_("不能为空")),
    (re.compile(r"Unknown field\."), N_("不是可接受的字段")),
    (re.compile(r"Not a valid integer\."), N_("应为整数")),
    (re.compile(r"Not a valid number\.|Special numeric values .*"), N_("应为数字")),
    (re.compile(r"Number too large\."), N_("数值过大")),
    (re.compile(r"Not a valid (utf-8 )?string\."), N_("应为文本")),
    (re.compile(r"Not a valid (aware |naive )?datetime\.|.* cannot be formatted as a datetime\."),
     N_("应为带时区的时间，例如 2026-11-23T08:30:00+08:00")),
    (re.compile(r"Not a valid date\.|.* cannot be formatted as a date\."), N_("应为日期，例如 2026-11-23")),
    (re.compile(r"Not a valid boolean\."), N_("应为 true 或 false")),
    (re.compile(r"Not a valid list\."), N_("应为列表")),
    (re.compile(r"Invalid (input )?type\.|Not a valid mapping type\."), N_("类型不正确")),
    (re.compile(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\."), N_("长度应为 {min}–{max} 个字符")),
    (re.compile(r"Length must be (?P<equal>\d+)\."), N_("长度应为 {equal}")),
    (re.compile(r"Longer than maximum length (?P<max>\d+)\."), N_("最多 {max} 个字符")),
    (re.compile(r"Shorter than minimum length (?P<min>\d+)\."), N_("至少 {min} 个字符")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\."),
     N_("应在 {min} 到 {max} 之间")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+)\."), N_("应不小于 {min}")),
    (re.compile(r"Must be greater than (?P<min>\S+)\."), N_("应大于 {min}")),
    (re.compile(r"Must be less than or equal to (?P<max>\S+)\."), N_("应不大于 {max}")),
    (re.compile(r"Must be one of: (?P<choices>.*)\."), N_("应为以下之一：{choices}")),
    (re.compile(r"Not a valid email address\."), N_("不是有效的电子邮件地址")),
    (re.compile(r"String does not match expected pattern\."), N_("格式不正确")),
)


def gettext(text: str) -> str:
    """The text in the request's language, or as written when the language cannot be chosen (the user's record,
    which holds the chosen language, may be what just failed to load)."""
    try:
        return _gettext(text)
    except Exception:  # noqa: BLE001 — an error page must never fail on its own wording
        log.warning("no language for the error message; answering in Chinese", exc_info=True)
        return text


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def status_of(error: DomainError) -> int:
    return next((status for kind, status in STATUS_BY_ERROR if isinstance(error, kind)), 422)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json or request.accept_mimetypes.best == "application/json"


# When even the page frame cannot be rendered (the database is down): both languages, the message in the request's
# language when it could be chosen.
BARE_PAGE = ('<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{status} · wastechain</title>'
             '<h1>出错了 · Error ({status})</h1><p>{message}</p><p><a href="/">首页 · Home</a></p></html>')


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
    try:
        message = message_of(error)
    except Exception:  # noqa: BLE001 — as gettext above
        message = error.message
    return answer(status_of(error), error.code, message, error.details)


def integrity_error(_error: IntegrityError):
    """A unique constraint lost a race: nothing was written; the client may retry."""
    _rollback()
    return answer(409, "CONFLICT", gettext(N_("与其他请求同时修改了同一记录，未保存任何内容，请重试")))


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
    return answer(503, Busy.code, gettext(N_("系统繁忙，请稍后重试")))


# PostgreSQL data exceptions (class 22) and what they mean to the person who sent the value.
DATA_ERROR_MESSAGES = {"22003": N_("数值超出允许范围"), "22008": N_("时间超出允许范围"), "22001": N_("文本过长"),
                       "22021": N_("包含无效字符"), "22P05": N_("包含无效字符")}


def data_error(error: DataError):
    """A value the column cannot take: 422 with what is really wrong; nothing was written."""
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    message = DATA_ERROR_MESSAGES.get(sqlstate or "")
    if message is None:
        text = str(error.orig)
        message = N_("包含无效字符") if "NUL" in text or "0x00" in text else N_("数据格式不被接受")
    log.info("data error answered 422: %s", error.orig)
    _rollback()
    return answer(422, "VALIDATION_ERROR", gettext(message))


def out_of_range(error):
    """A number too large for its column, or a time that cannot be converted to UTC: nothing was written."""
    if isinstance(error, StatementError) and not isinstance(error, DBAPIError) \
            and not isinstance(error.orig, OverflowError):
        raise error  # not a value out of range: a real fault
    _rollback()
    return answer(422, "VALIDATION_ERROR", gettext(N_("数值超出允许范围")))


def unencodable_text(_error: UnicodeEncodeError):
    """Text UTF-8 cannot encode (a lone surrogate that got past the input checks): refused, nothing written."""
    _rollback()
    return answer(422, "VALIDATION_ERROR", gettext(N_("包含无效的 Unicode 字符")))


def csrf_failed(_error: CSRFError):
    # The phone's sync script reads the JSON code to know it should fetch a fresh token and retry.
    return answer(400, "CSRF_INVALID", gettext(CSRF_MESSAGE))


def http_exception(error: HTTPException):
    """Werkzeug's and webargs' errors (malformed JSON, unknown URL, invalid input) in our shape."""
    if error.code is None or error.code < 400:
        return error
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if wants_json() and error.code == 400:
        return answer(400, "BAD_REQUEST", gettext(N_("请求体不是有效的 JSON") if request.is_json else MESSAGES[400]),
                      _flatten(messages))
    if wants_json() and (error.code == 422 or messages):
        details = _flatten(messages)
        return answer(422, "VALIDATION_ERROR", invalid_message(details), details)
    if error.code == 429:
        return too_many_requests(error)
    code = CODE_BY_STATUS.get(error.code, "INTERNAL_ERROR" if error.code >= 500 else "HTTP_ERROR")
    message = gettext(MESSAGES[error.code]) if error.code in MESSAGES else (error.description or error.name)
    if not wants_json() and error.code == 404:
        message = gettext(N_("页面不存在"))
    return answer(error.code, code, message)


def too_many_requests(error: HTTPException):
    """A throttled attempt (wastechain.throttle): 429 with Retry-After in seconds, in the API's shape or as a page."""
    retry_after = getattr(error, "retry_after", None)
    seconds = retry_after if isinstance(retry_after, int) else None
    if seconds is not None:
        message = gettext(WAIT_MESSAGE).format(seconds=seconds)
    else:
        message = gettext(MESSAGES[429])
    response = make_response(answer(429, CODE_BY_STATUS[429], message, {"retry_after": seconds} if seconds else None))
    response.headers["Retry-After"] = str(seconds or 60)
    return response


def first_problem(details, path: str = "") -> tuple[str, str] | None:
    """The first bad field's path ("lines.0.quantity_kg") and its first problem, in marshmallow's nesting."""
    if isinstance(details, dict):
        for key, value in details.items():
            found = first_problem(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    if isinstance(details, (list, tuple)):
        for value in details:
            found = first_problem(value, path)
            if found:
                return found
        return None
    return (path or "body", str(details)) if details not in (None, "") else None


def problem_text(problem: str) -> str:
    """One problem in the request's language: marshmallow's English read from PROBLEMS, our own text as it is."""
    for pattern, template in PROBLEMS:
        found = pattern.fullmatch(problem.strip())
        if found:
            return gettext(template).format(**found.groupdict())
    if CJK.search(problem):
        return gettext(problem)  # our own schemas' Chinese (translated when it is catalogued)
    # English not in PROBLEMS: our own fields' messages already in the request's language, or a schema's own words
    return problem if language() != DEFAULT else gettext(N_("填写有误"))


def invalid_message(details: dict) -> str:
    """「请求内容未通过校验：「密码」长度应为 8–100 个字符」 — the first bad field by its human name, then its problem."""
    found = first_problem(details)
    if not found:
        return gettext(INVALID_MESSAGE)
    path, problem = found
    name, text = gettext(field_name(path)), problem_text(problem)
    if name in text:  # a domain message that already names the field ("重量（kg）必须大于 0")
        return gettext(N_("请求内容未通过校验：{problem}")).format(problem=text)
    return gettext(N_("请求内容未通过校验：「{field}」{problem}")).format(field=name, problem=text)


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
