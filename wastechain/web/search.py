"""The regulators' search (查询), roadside check (路检) and batch trace (跟踪) pages.

A regulator's phone camera opens a manifest's QR URL (/s/<token>); the scan page sends a regulator here, to the
manifest's whole file. A QR URL or token pasted or typed into the search box opens the same file.
"""
import re

from flask import Blueprint, redirect, render_template, request, url_for

from wastechain.domain.errors import InvalidQR
from wastechain.domain.qrtoken import read_token
from wastechain.domain.states import STATUS_NAMES, STEP_NAMES
from wastechain.domain.anomalies import ANOMALY_STATUS_NAMES, CATALOG, SEVERITY_NAMES
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import AUTHORITY_ROLES
from wastechain.i18n import message_of
from wastechain.services import manifests, oversight
from wastechain.web.common import actor, db, roles_required, secret
from wastechain.web.plots import route_plot

bp = Blueprint("search", __name__, url_prefix="/oversight")
KIND_NAMES = {"manifest": N_("联单"), "batch": N_("废物批次"), "container": N_("容器"), "enterprise": N_("企业")}
TRACE_STATES = {"in_storage": N_("贮存中"), "in_transit": N_("运输中"), "awaiting_disposal": N_("待利用处置"),
                "variance": N_("过磅差异"), "disposed": N_("已利用处置")}
QR_URL = re.compile(r"/s/([A-Za-z2-7]+)/?$")
BARE_TOKEN = re.compile(r"[A-Za-z2-7]{20,40}")


def _scanned(q: str):
    """What a pasted QR URL (InvalidQR when forged) or a bare token names; None when the text is neither."""
    url = QR_URL.search(q)
    if url:
        return read_token(secret(), url.group(1))
    if BARE_TOKEN.fullmatch(q):
        try:
            return read_token(secret(), q)
        except InvalidQR:
            return None  # a code that merely looks like a token is searched as typed
    return None


def opened_from_scan(kind: str, subject_id: int):
    """Where a regulator lands from a QR: a manifest's file, a batch's trace (a container: the search)."""
    if kind == "manifest":
        return redirect(url_for("search.manifest", manifest_id=subject_id))
    if kind == "batch":
        return redirect(url_for("search.trace", batch_id=subject_id))
    return None


@bp.get("/")
@roles_required(*AUTHORITY_ROLES)
def index():
    """One box: a number, unit code, container code, enterprise name or credit code, or a scanned QR's URL."""
    q = (request.args.get("q") or "").strip()
    kind = request.args.get("kind") or None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    error = None
    try:
        subject = _scanned(q) if q else None
    except InvalidQR as refusal:
        subject, error = None, message_of(refusal)
    if subject is not None and opened_from_scan(subject.kind, subject.id):
        return opened_from_scan(subject.kind, subject.id)
    results = oversight.search(db(), actor=actor(), q=q, kind=kind, page=page) if q and not error else {}
    return render_template("search/index.html", q=q, kind=kind, results=results, kind_names=KIND_NAMES,
                           cap=oversight.COUNT_CAP, status_names=STATUS_NAMES, error=error)


@bp.get("/manifests/<int:manifest_id>")
@roles_required(*AUTHORITY_ROLES)
def manifest(manifest_id: int):
    """A manifest's whole file for a roadside check: parties, lines, timeline in China time, GPS points, origins."""
    found = oversight.manifest_file(db(), actor=actor(), manifest_id=manifest_id)
    track = route_plot(found["manifest"], manifests.read_track(db(), actor=actor(), manifest_id=manifest_id))
    return render_template("search/manifest.html", **found, track=track, status_names=STATUS_NAMES,
                           step_names=STEP_NAMES, catalog=CATALOG, severities=SEVERITY_NAMES,
                           anomaly_statuses=ANOMALY_STATUS_NAMES)


@bp.get("/batches/<int:batch_id>/trace")
@roles_required(*AUTHORITY_ROLES)
def trace(batch_id: int):
    """Where every kilogram of a batch went, adding up to the gram."""
    found = oversight.batch_trace(db(), actor=actor(), batch_id=batch_id)
    return render_template("search/trace.html", **found, states=TRACE_STATES, status_names=STATUS_NAMES)
