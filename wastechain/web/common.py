"""What the page modules share: role checks, the request's session and clock, form parsing."""
import functools
import uuid
from datetime import datetime

from flask import current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from wastechain.api import error_body, status_of
from wastechain.db import request_session, utcnow
from wastechain.domain.errors import DomainError, Forbidden, ValidationFailed
from wastechain.domain.quantities import parse_kg
from wastechain.domain.qrtoken import make_token

__all__ = ["actor", "db", "domain_error_json", "new_key", "now", "optional_float", "optional_kg", "parse_time",
           "roles_required", "scan_path", "secret", "utcnow"]


def db():
    return request_session()


def now() -> datetime:
    return utcnow()


def secret() -> str:
    return current_app.config["SECRET_KEY"]


def actor():
    """The logged-in user as the ORM object of this request's session."""
    return current_user._get_current_object()


def new_key() -> str:
    """An idempotency key for a form: a second submission of the same form records nothing new."""
    return "web-" + uuid.uuid4().hex


def scan_path(kind: str, subject_id: int) -> str:
    return url_for("scan_page.page", token=make_token(secret(), kind, subject_id))


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def roles_required(*roles: str):
    """Logged in with one of the roles; a JSON request gets a JSON 401/403, a page a redirect or an error page."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                if wants_json():
                    return jsonify(error_body("UNAUTHORIZED", "登录已失效，请重新登录后同步")), 401
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if roles and current_user.role not in roles:
                raise Forbidden(f"当前角色（{current_user.role}）不能使用此页面")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def domain_error_json(error: DomainError):
    db().rollback()
    return jsonify(error_body(error.code, error.message, error.details)), status_of(error)


def optional_kg(value, field: str, allow_zero: bool = False):
    if value is None or str(value).strip() == "":
        return None
    return parse_kg(str(value).strip(), field=field, allow_zero=allow_zero)


def optional_float(value, field: str, low: float, high: float) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field} 不是数字", details={field: "not a number"}) from None
    if not low <= number <= high:
        raise ValidationFailed(f"{field} 超出范围", details={field: f"between {low} and {high}"})
    return number


def parse_time(value, field: str = "occurred_at") -> datetime | None:
    """An ISO 8601 time with offset (a phone sends its own clock as toISOString(), in UTC)."""
    if value is None or str(value).strip() == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(f"{field} 不是有效的时间", details={field: "ISO 8601 expected"}) from None
    if moment.tzinfo is None:
        raise ValidationFailed(f"{field} 必须带时区", details={field: "no offset"})
    return moment
