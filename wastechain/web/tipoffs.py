"""The public tip-off pages (有奖举报): no login, phone first. File a report of illegal transfer, dumping or
disposal with the place (the phone's GPS or an address), time, description and up to three photos; get a tracking
code; follow the case with it. Each submission and each code tried counts against the address (throttle.py)."""
from datetime import datetime

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from wastechain import throttle
from wastechain.domain.errors import NotFound, ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA
from wastechain.domain.tipoffs import FINDING_NAMES, KIND_NAMES, STATUS_NAMES
from wastechain.i18n import message_of
from wastechain.services import catalog
from wastechain.services.tipoffs import photos, public
from wastechain.web.common import attempt, db, now, settings

bp = Blueprint("tipoffs", __name__, url_prefix="/tipoffs")
FIELDS = ("kind", "region_code", "happened_at", "lat", "lon", "address", "description", "contact")
FORM_SLACK = 256 * 1024  # the form's text fields and multipart framing, besides the photos


def init_app(app) -> None:
    @app.before_request
    def _photos_may_be_large():
        # Before the CSRF check reads the form: only the public form takes photos, up to three of the photo limit.
        if request.endpoint == "tipoffs.submit":
            request.max_content_length = photos.MAX_PHOTOS * settings().tipoff_photo_max_bytes + FORM_SLACK


def _form(values: dict | None = None, error: str = "", status: int = 200):
    counties = public.counties(db())
    return render_template("tipoffs/new.html", values=values or {}, error=error, kinds=KIND_NAMES,
                           counties=counties, challenge=public.challenge(db(), now=now()),
                           max_photos=photos.MAX_PHOTOS, max_mb=f"{settings().tipoff_photo_max_bytes / 2**20:g}",
                           now_local=now().astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")), status


@bp.get("/")
def new():
    return _form()


@bp.post("/")
def submit():
    throttle.tipoff_submission()
    values = {name: request.form.get(name, "") for name in FIELDS}

    def act():
        filed = public.file_tipoff(
            db(), kind=values["kind"], region_code=values["region_code"],
            happened_at=_local_time(values["happened_at"]), description=values["description"],
            lat=_coordinate(values["lat"]), lon=_coordinate(values["lon"]), address=values["address"],
            contact=values["contact"], photos=[f.read() for f in request.files.getlist("photos") if f.filename],
            challenge_token=request.form.get("challenge_token", ""),
            challenge_answer=request.form.get("challenge_answer", ""), now=now())
        return render_template("tipoffs/filed.html", code=filed.tracking_code), 201

    return attempt(act, on_refusal=lambda error: _form(values, message_of(error), 422))


def _local_time(value: str) -> datetime | None:
    """The form's datetime-local (China time, as the phone shows it) as an aware time; None when empty."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=CHINA)
    except ValueError:
        raise ValidationFailed(N_("事发时间格式不正确"), details={"happened_at": value}) from None


def _coordinate(value: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationFailed(N_("位置坐标无效，请重新获取定位或填写地址"), details={"lat": value}) from None


@bp.get("/track")
def track_form():
    return render_template("tipoffs/track.html", code="", error="")


@bp.post("/track")
def track():
    throttle.tipoff_lookup()
    code = request.form.get("code", "").strip()[:40]
    if not code:
        return render_template("tipoffs/track.html", code="", error=_("请输入查询码")), 422
    try:
        found = public.track(db(), code=code)
    except NotFound as error:
        return render_template("tipoffs/track.html", code=code, error=message_of(error)), 404
    return render_template("tipoffs/status.html", case=found, kinds=KIND_NAMES, statuses=STATUS_NAMES,
                           findings=FINDING_NAMES,
                           region_name=catalog.region_names(db(), [found.region_code]).get(found.region_code, ""))
