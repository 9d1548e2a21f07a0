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
from wastechain.domain.quantities import parse_kg
from wastechain.domain.timeutil import CHINA
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
            return simplejson.loads(s, use_decimal=True, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None  # Flask answers 400 for a ValueError


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
            return simplejson.loads(raw.decode("utf-8"), use_decimal=True)
        except (simplejson.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            # webargs answers 400 for the standard library's error type
            raise json.JSONDecodeError(str(exc), raw.decode("utf-8", "replace"), 0) from None


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

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_kg(value, field=attr or "quantity_kg", allow_zero=self.allow_zero)
        except ValidationFailed as error:
            raise ma.ValidationError(error.message) from None


class Time(ma.fields.AwareDateTime):
    """ISO 8601 with offset; written in China time (+08:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(CHINA).isoformat()


class Text(ma.fields.String):
    """A name or note shown on labels, pages and exports: trimmed, no control characters."""

    def __init__(self, *, min_length: int = 1, max_length: int = 200, **kwargs):
        super().__init__(validate=ma.validate.Length(min=min_length, max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise ma.ValidationError("不能包含控制字符")
        return text


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
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


def bearer_user():
    """The user of the request's bearer token, or None (no token, or an expired or unknown one)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(db(), token.strip(), now=now())


def login_required(view):
    """Resolves the bearer token to a user in g.current_user, or answers 401.

    Put it directly under the route decorator, above @bp.arguments: authentication comes before parsing, so an
    anonymous request is told to log in (401), not that its body is invalid (422).
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("需要登录：请在 Authorization 头中提供 Bearer 令牌")
        user = user_for_token(db(), token.strip(), now=now())
        if user is None:
            raise Unauthorized("令牌无效或已过期，请重新登录")
        g.current_user = user
        return view(*args, **kwargs)

    return wrapper


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs, bounded so that an absurd id is a 404 rather than a database overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def qr_url_for(kind: str, subject_id: int) -> str:
    return qr_url(settings().public_base_url, settings().secret_key, kind, subject_id)


__all__ = ["Blueprint", "Kg", "PageArgs", "Time", "current_user", "db", "listed", "login_required", "now",
           "page_schema", "paging", "qr_url_for", "settings"]
