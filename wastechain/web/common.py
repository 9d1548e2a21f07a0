"""What the page modules share: role checks, the request's session and clock, form parsing."""
import functools
import uuid
from datetime import datetime

from flask import current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from wastechain.api import error_body, status_of
from wastechain.db import request_session, utcnow
from wastechain.domain.errors import DomainError, Forbidden, ValidationFailed
from wastechain.domain.qrtoken import make_token

__all__ = ["actor", "db", "domain_error_json", "new_key", "now", "roles_required", "scan_path", "secret",
           "step_fields", "utcnow"]


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


def step_fields(form, *names: str) -> dict:
    """A page's step fields read by the API's own step schema, so pages and API validate alike; blanks are absent."""
    from marshmallow import ValidationError

    from wastechain.api.manifests.schemas import StepIn

    present = {name: str(form.get(name)).strip() for name in names if str(form.get(name) or "").strip()}
    try:
        loaded = StepIn(only=names, partial=True).load(present)
    except ValidationError as error:
        field, problems = next(iter(error.messages.items()))
        raise ValidationFailed(f"{field}：{problems[0] if isinstance(problems, list) else problems}",
                               details=error.messages) from None
    return {name: loaded.get(name) for name in names}
