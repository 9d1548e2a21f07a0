"""What every JSON resource shares: the blueprint class, fields for kilograms and times, auth, pagination."""
import functools
import json
from datetime import datetime
from decimal import Decimal

import marshmallow as ma
import simplejson
from flask import current_app, g, jsonify, request
from flask.json.provider import JSONProvider
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.core import missing
from werkzeug.routing import IntegerConverter
from webargs.flaskparser import FlaskParser, is_json_request

from wastechain.db import request_session, utcnow
from wastechain.domain.errors import DomainError, ValidationFailed
from wastechain.domain.quantities import parse_kg
from wastechain.domain.timeutil import CHINA
from wastechain.services.auth import Unauthorized, user_for_token

MAX_PER_PAGE = 200


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


def page_of(query, args: dict) -> dict:
    """{"items": [...], "total": N} for one page of a SELECT (the response schema dumps the items)."""
    from sqlalchemy import func, select

    session = request_session()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page, per_page = args.get("page", 1), args.get("per_page", 50)
    items = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "total": total}


@functools.cache
def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The list envelope of API.md around an item schema."""
    return type(f"{item_schema.__name__.removesuffix('Out')}Page", (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema)), "total": ma.fields.Integer()})


def current_user():
    return g.current_user


def login_required(view):
    """Resolves the bearer token to a user in g.current_user, or answers 401."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("需要登录：请在 Authorization 头中提供 Bearer 令牌")
        user = user_for_token(request_session(), token.strip(), now=utcnow())
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


def handle_out_of_range(error):
    """A number too large for its column (any schema's integer field), or a time that cannot be converted to UTC
    (year 1 or 9999 with an offset): nothing was written."""
    from sqlalchemy.exc import DBAPIError, StatementError

    if isinstance(error, StatementError) and not isinstance(error, DBAPIError) \
            and not isinstance(error.orig, OverflowError):
        raise error  # not a value out of range: a real fault
    request_session().rollback()
    from wastechain.api import error_body

    return jsonify(error_body("VALIDATION_ERROR", "数值超出允许范围")), 422


def config(name: str):
    return current_app.config[name]


__all__ = ["Blueprint", "DomainError", "Kg", "PageArgs", "Time", "current_user", "login_required", "page_of"]


def qr_url_for(kind: str, subject_id: int) -> str:
    from wastechain.services.qr import qr_url

    return qr_url(config("PUBLIC_BASE_URL"), config("SECRET_KEY"), kind, subject_id)
