"""What every JSON resource shares: the blueprint class, fields for kilograms and times, auth, pagination."""
import functools
import json
from datetime import datetime
from decimal import Decimal

import marshmallow as ma
import simplejson
from flask import g, request
from flask.json.provider import JSONProvider
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import IntegerConverter

from wastechain.domain.errors import Unauthorized, ValidationFailed
from wastechain.domain.quantities import GRAM, MAX_KG, parse_kg
from wastechain.domain.text import N_, is_surrogate, text_problem
from wastechain.domain.timeutil import CHINA
from wastechain.i18n import message_of
from wastechain.requestctx import current_user, db, now, settings
from wastechain.services.accounts.auth import user_for_token
from wastechain.services.common import MAX_PER_PAGE, Page
from wastechain.services.rendering.qr import qr_url


class DecimalJSONProvider(JSONProvider):
    """JSON numbers read as Decimal and Decimals written as numbers: quantities never pass through a float."""

    def dumps(self, obj, **kwargs):
        kwargs.setdefault("ensure_ascii", False)
        return simplejson.dumps(obj, use_decimal=True, default=_json_default, **kwargs)

    def loads(self, s, **kwargs):
        try:
            data = simplejson.loads(s, use_decimal=True, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None  # Flask answers 400 for a ValueError
        if unstorable_string(data) is not None:
            raise ValueError("JSON string with a lone surrogate or NUL")  # 400, as for any undecodable body
        return data


def unstorable_string(data, path: str = "") -> str | None:
    """The path of the first string (key or value) holding a lone UTF-16 surrogate or NUL, or None.

    simplejson decodes "\\ud800" to a str that UTF-8 cannot encode, and PostgreSQL's text cannot hold NUL: either
    would fail deep in the database driver or the event hash. Checked once over the whole body, so every field,
    including those without a Text field, is covered.
    """
    if isinstance(data, str):
        return path or "body" if any(is_surrogate(c) or c == "\0" for c in data) else None
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        where = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and unstorable_string(key) is not None:
            return where
        found = unstorable_string(value, where)
        if found is not None:
            return found
    return None


def _json_default(value):
    if isinstance(value, datetime):
        return value.astimezone(CHINA).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


class DecimalParser(FlaskParser):
    """webargs' parser, reading JSON numbers as Decimal."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        raw = req.get_data(cache=True)
        try:
            data = simplejson.loads(raw.decode("utf-8"), use_decimal=True)
        except (simplejson.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            # webargs answers 400 for the standard library's error type
            raise json.JSONDecodeError(str(exc), raw.decode("utf-8", "replace"), 0) from None
        where = unstorable_string(data)
        if where is not None:  # valid JSON, but not text we can store: 422 naming the field
            raise ma.ValidationError({where: [BAD_CHARACTER_MESSAGE]})
        return data


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = DecimalParser()


class Kg(ma.fields.Field):
    """Kilograms: a JSON number (or numeric string) with at most 3 decimals, kept as Decimal."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.allow_zero = allow_zero
        self.metadata.setdefault("type", "number")
        self.metadata.setdefault("description", "kilograms, at most 3 decimals")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else Decimal(value)

    def _bind_to_schema(self, field_name, schema):
        super()._bind_to_schema(field_name, schema)
        if type(schema).__name__.endswith("In"):  # a request's schema: the document names what parse_kg accepts
            self.metadata.update(minimum=0, exclusiveMinimum=not self.allow_zero, maximum=int(MAX_KG),
                                 exclusiveMaximum=True, multipleOf=float(GRAM))

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_kg(value, field=attr or "quantity_kg", allow_zero=self.allow_zero)
        except ValidationFailed as error:
            raise ma.ValidationError(message_of(error)) from None  # in the request's language


FIRST_YEAR, LAST_YEAR = 2000, 2100  # any time a user gives: outside this, a typo (or a fuzzer), never a record
# the refusals name the same bounds, written out so that the catalogue can translate them
TIME_RANGE_MESSAGE = N_("时间超出允许范围（2000–2100 年）")
DAY_RANGE_MESSAGE = N_("日期超出允许范围（1900–2100 年）")
ID_RANGE_MESSAGE = N_("编号必须是 1 到 2147483647 之间的整数")
BAD_CHARACTER_MESSAGE = N_("包含无效的 Unicode 字符（孤立代理项）或 NUL 字符")


class Time(ma.fields.AwareDateTime):
    """ISO 8601 with offset, years 2000–2100 on input; written in China time (+08:00)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata.setdefault("pattern", "^20[0-9]{2}-")  # the document's words for the years accepted

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(CHINA).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        # checked before any conversion: 0001-01-01T00:00+08:00 cannot even be converted to UTC
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ma.ValidationError(TIME_RANGE_MESSAGE)
        return moment


class Day(ma.fields.Date):
    """A calendar date (YYYY-MM-DD), years 1900–2100: a day range past the calendar's ends cannot be queried."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata.setdefault("pattern", "^(19|20)[0-9]{2}-")

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= day.year <= LAST_YEAR:
            raise ma.ValidationError(DAY_RANGE_MESSAGE)
        return day


def text_pattern(*, multiline: bool, may_be_empty: bool) -> str:
    """What `Text` accepts, in the document's words: no control characters (a note may hold line breaks and tabs
    inside) and no space at either end (they are trimmed, so an all-space text would be empty). Lone surrogates,
    refused too, are left out: a JSON Schema pattern matches code points, which cannot be surrogates."""
    controls = r"\u0000-\u0008\u000b-\u001f" if multiline else r"\u0000-\u001f"
    inner = rf"[^{controls}\u007f-\u009f]"
    edge = r"[^\s\u0000-\u001f\u007f-\u009f]"
    text = rf"{edge}({inner}*{edge})?"
    return rf"^({text})?$" if may_be_empty else rf"^{text}$"


class Text(ma.fields.String):
    """A name, note, reason, reference or search string: trimmed, no control characters, no lone surrogates.

    `multiline` (notes, reasons) lets line breaks and tabs through, as a form's textarea sends them.
    """

    def __init__(self, *, min_length: int = 1, max_length: int = 200, multiline: bool = False, **kwargs):
        super().__init__(validate=ma.validate.Length(min=min_length, max=max_length), **kwargs)
        self.multiline = multiline
        self.metadata.setdefault("pattern", text_pattern(multiline=multiline, may_be_empty=min_length == 0))

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if self.multiline:
            text = text.replace("\r\n", "\n")
        problem = text_problem(text, multiline=self.multiline)
        if problem:
            raise ma.ValidationError(problem)
        return text


NO_NUL = r"^[^\u0000]*$"  # what every JSON string may hold (unstorable_string); surrogates cannot be named here
REGION_CODE = r"^[0-9]{6}$"  # a 行政区划代码; which ones exist is the catalog's data, not the document's
WASTE_CODE_OR_CATEGORY = r"^(HW[0-9]{2}|[0-9]{3}-[0-9]{3}-[0-9]{2})$"  # 900-041-49 or HW49, as the catalog writes them


def password(*, min_length: int = 8) -> ma.fields.String:
    """A password given in a request: 8–200 characters (at login: whatever was set, at most 200)."""
    return ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=min_length, max=200),
                            metadata={"pattern": NO_NUL})


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


class Id(ma.fields.Integer):
    """The id of a record (1 … 2³¹−1): an absurd id is a 422, not a database overflow."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", ma.validate.Range(min=1, max=MAX_ID, error=ID_RANGE_MESSAGE))
        super().__init__(**kwargs)


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_ID))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


def paging(args: dict) -> dict:
    """The page and page size a list service takes, from the query string."""
    return {"page": args.get("page", 1), "per_page": args.get("per_page", 50)}


def listed(page: Page) -> dict:
    """API.md's list envelope for a service's page (the response schema dumps the items)."""
    return {"items": page.items, "total": page.total}


@functools.cache
def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The list envelope of API.md around an item schema."""
    return type(f"{item_schema.__name__.removesuffix('Out')}Page", (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema)), "total": ma.fields.Integer()})


def bearer_token() -> str | None:
    """The request's bearer token, or None when it sends none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def bearer_user():
    """The user of the request's bearer token, or None (no token, or an expired or unknown one)."""
    token = bearer_token()
    return None if token is None else user_for_token(db(), token, now=now())


def login_required(view):
    """Resolves the bearer token to a user in g.current_user, or answers 401.

    Put it directly under the route decorator, above @bp.arguments: authentication comes before parsing, so an
    anonymous request is told to log in (401), not that its body is invalid (422).
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if bearer_token() is None:
            raise Unauthorized(N_("需要登录：请在 Authorization 头中提供 Bearer 令牌"))
        user = bearer_user()
        if user is None:
            raise Unauthorized(N_("令牌无效或已过期，请重新登录"))
        g.current_user = user
        return view(*args, **kwargs)

    return wrapper


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs, bounded so that an absurd id is a 404 rather than a database overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def qr_url_for(kind: str, subject_id: int) -> str:
    return qr_url(settings().public_base_url, settings().secret_key, kind, subject_id)


__all__ = ["Blueprint", "Day", "Id", "Kg", "Text", "PageArgs", "Time", "current_user", "db", "listed", "login_required", "now",
           "page_schema", "paging", "qr_url_for", "settings"]
