"""Resolving a scanned QR token to what it names."""
from wastechain.domain.errors import InvalidQR, NotFound
from wastechain.domain.qrtoken import read_token
from wastechain.domain.states import STATUS_NAMES
from wastechain.domain.text import N_
from wastechain.models import Batch, Container, Manifest, User
from wastechain.services import access
from wastechain.services.storage import batches, containers


def resolve(session, *, secret: str, token: str, actor: User | None) -> dict:
    """What a QR names: a public minimum for anyone, more for a user who may see the record."""
    subject = read_token(secret, token)
    model = {"manifest": Manifest, "batch": Batch, "container": Container}.get(subject.kind)
    record = session.get(model, subject.id) if model else None
    if record is None:
        raise InvalidQR(N_("二维码指向的记录不存在"))
    if subject.kind == "manifest":
        return _manifest_view(session, record, actor)
    if subject.kind == "container":
        return _container_view(session, record, actor)
    return _batch_view(session, record, actor)


def _visible(session, actor: User | None, query, model, record_id: int) -> bool:
    if actor is None:
        return False
    try:
        access.get_visible(session, query, model, record_id, "")
    except NotFound:
        return False
    return True


def _manifest_view(session, manifest: Manifest, actor: User | None) -> dict:
    view = {"kind": "manifest", "id": manifest.id, "number": manifest.number, "status": manifest.status,
            "status_name": STATUS_NAMES[manifest.status], "total_kg": manifest.total_kg,
            "waste_codes": sorted({line.waste_code for line in manifest.lines}), "detail": False}
    if _visible(session, actor, access.visible_manifests(actor) if actor else None, Manifest, manifest.id):
        allowed = access.manifest_steps(actor, manifest)
        view.update(detail=True, issuer=manifest.issuer.name, origin_site=manifest.origin_site.name,
                    receiver=manifest.receiver.name, receiver_site=manifest.receiver_site.name,
                    transporter=manifest.transporter.name, allowed_steps=allowed)
    return view


def _batch_view(session, batch: Batch, actor: User | None) -> dict:
    """A batch label's QR: the batch, and for a logged-in user the manifests carrying it that the user may see
    (a driver scanning a drum's label reaches the manifest he loads it on, not a dead end)."""
    view = {"kind": "batch", "id": batch.id, "unit_code": batch.unit_code, "status": batch.status,
            "waste_code": batch.waste_code, "waste_name": batch.waste.name, "detail": False, "manifests": []}
    if actor is not None:
        view["manifests"] = [{"id": m.id, "number": m.number, "status": m.status, "status_name": STATUS_NAMES[m.status]}
                             for m in batches.manifests_carrying(session, actor=actor, batch_id=batch.id)[:20]]
    if _visible(session, actor, access.visible_batches(actor) if actor else None, Batch, batch.id):
        view.update(detail=True, quantity_kg=batch.quantity_kg, remaining_kg=batch.remaining_kg,
                    producer=batch.organization.name, site=batch.site.name)
    return view


def _container_view(session, container: Container, actor: User | None) -> dict:
    """A box or drum: what it holds in total (nested boxes included) and the manifest it travels on."""
    view = {"kind": "container", "id": container.id, "code": container.code, "status": container.status,
            "container_kind": container.kind, "detail": False}
    if actor is None:
        return view
    try:
        described = containers.describe(session, actor=actor, container_id=container.id)
    except NotFound:
        return view
    view.update(detail=True, total_kg=described["total_kg"], container_count=described["container_count"],
                manifest_id=container.manifest_id, batches=described["batches"], site_id=container.site_id)
    return view
