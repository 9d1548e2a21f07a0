"""What the page modules share: role checks, the request's session, settings and clock, form parsing."""
import functools
import uuid
from decimal import Decimal

from flask import redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user
from marshmallow import ValidationError

from wastechain.api.manifests.schemas import ManifestArgs, ManifestIn, StepIn  # noqa: F401  (the pages load these too)
from wastechain.domain.errors import DomainError, Forbidden, Unauthorized, ValidationFailed
from wastechain.domain.fieldnames import FIELD_NAMES, field_name
from wastechain.domain.qrtoken import make_token
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA
from wastechain.domain.vocabulary import ROLE_NAMES
from wastechain.http_errors import problem_text, wants_json
from wastechain.requestctx import db, now, settings

__all__ = ["FIELD_NAMES", "actor", "attempt", "cn_time", "db", "kg", "load_form", "new_key", "now", "roles_required", "scan_path",
           "secret", "settings", "step_fields", "wants_json"]


def secret() -> str:
    return settings().secret_key


def actor():
    """The logged-in user as the ORM object of this request's session."""
    return current_user._get_current_object()


def new_key() -> str:
    """An idempotency key for a form: a second submission of the same form records nothing new."""
    return "web-" + uuid.uuid4().hex


def scan_path(kind: str, subject_id: int) -> str:
    return url_for("scan_page.page", token=make_token(secret(), kind, subject_id))


def roles_required(*roles: str):
    """Logged in with one of the roles; a JSON request gets a JSON 401/403, a page a redirect or an error page."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                if wants_json():
                    raise Unauthorized(N_("登录已失效，请重新登录后同步"))
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if roles and current_user.role not in roles:
                raise Forbidden(N_("当前角色（{role}）不能使用此页面"),
                                params={"role": ROLE_NAMES.get(current_user.role, current_user.role)})
            return view(*args, **kwargs)

        return wrapper

    return decorate


def attempt(action, *, on_refusal):
    """Runs one service from a form; a refusal (the service already rolled back) becomes `on_refusal(error)`."""
    try:
        return action()
    except DomainError as error:
        if error.code == "NOT_FOUND":
            raise
        return on_refusal(error)


def step_fields(form, *names: str, schema=StepIn, suffix: str = "") -> dict:
    """A page's step fields read by the API's own step schema, so pages and API validate alike; blanks are absent.
    `suffix` reads fields repeated per item (`accepted_kg-12` for the line 12) with the item's schema."""
    present = {name: str(form.get(name + suffix)).strip() for name in names
               if str(form.get(name + suffix) or "").strip()}
    try:
        loaded = schema(only=names, partial=True).load(present)
    except ValidationError as error:
        field, problems = next(iter(error.messages.items()))
        problem = str(problems[0] if isinstance(problems, list) else problems)
        name = field_name(field)
        if name in problem or gettext(name) in problem:  # the schema's message names the field already
            raise ValidationFailed(problem, details=error.messages) from None
        # marshmallow's English problem read as a person's words, in the page's language (as the API's errors)
        raise ValidationFailed(N_("{field}：{problem}"), params={"field": name, "problem": problem_text(problem)},
                               details=error.messages) from None
    return {name: loaded.get(name) for name in names}


def load_form(schema, data: dict) -> dict:
    """A form read by an API schema, so pages and the API validate alike; a refusal names the field as
    step_fields does."""
    try:
        return schema.load(data)
    except ValidationError as error:
        field, problems = next(iter(error.messages.items()))
        problem = str(problems[0] if isinstance(problems, list) else problems)
        name = field_name(field)
        if name in problem or gettext(name) in problem:
            raise ValidationFailed(problem, details=error.messages) from None
        raise ValidationFailed(N_("{field}：{problem}"), params={"field": name, "problem": problem_text(problem)},
                               details=error.messages) from None


def kg(value) -> str:
    """1250.500 → 1250.5 (kilograms as people write them; the value stays exact)."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def cn_time(value) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if value else ""
