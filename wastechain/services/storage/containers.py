"""Containers (小箱进大箱): boxes and drums with their own code and QR, nesting, and acting on a whole tree."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, bindparam, func, select, text, type_coerce

from wastechain.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wastechain.domain.quantities import ZERO, kg_from_grams
from wastechain.domain.states import Step
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import ISSUER_ROLES, ContainerStatus, LineageKind, Role
from wastechain.models import Batch, Container, LineageFlow, Manifest, ManifestEvent, Site, User
from wastechain.services import access
from wastechain.services.common import Page, locked, paginate, transactional
from wastechain.services.manifests import LineRequest, StepRequest, issue_manifest, record_step
from wastechain.services.rendering import labels
from wastechain.services.rendering.qr import qr_url

KINDS = ("small_box", "big_box", "drum", "bag", "ibc", "pallet")

_TREE_SQL = text("""
WITH RECURSIVE tree(id, depth) AS (
    SELECT id, 0 FROM container WHERE id IN :roots
    UNION ALL
    SELECT c.id, t.depth + 1 FROM container c JOIN tree t ON c.parent_id = t.id
)
SELECT id, depth FROM tree
""")


def _tree_ids(session, root_ids: list[int]) -> list[int]:
    query = _TREE_SQL.bindparams(bindparam("roots", expanding=True))
    return [row.id for row in session.execute(query, {"roots": list(root_ids)}).all()]


@transactional
def create_container(session, *, actor: User, site_id: int, kind: str, now: datetime,
                     code: str | None = None) -> Container:
    """A new empty container at one of the actor's sites; its code is given or made from the site and id."""
    access.require_role(actor, Role.PRODUCER, Role.COLLECTOR, Role.RECEIVER, doing=N_("登记容器"))
    site = session.get(Site, site_id)
    if site is None or site.organization_id != actor.organization_id:
        raise ValidationFailed(N_("场所 {site_id} 不存在或不属于本单位"), params={"site_id": site_id},
                               details={"site_id": "not your site"})
    if kind not in KINDS:
        raise ValidationFailed(N_("容器类型必须是 {kinds}"), params={"kinds": ", ".join(KINDS)}, details={"kind": "unknown"})
    if code is not None and session.scalar(select(Container.id).where(Container.code == code)):
        raise Conflict(N_("容器编码 {code} 已存在"), params={"code": code}, details={"code": code})
    container = Container(code=code or f"tmp-{now.timestamp()}-{site_id}", kind=kind,
                          organization_id=actor.organization_id, site_id=site.id, quantity_kg=ZERO, status=ContainerStatus.OPEN,
                          created_at=now)
    session.add(container)
    session.flush()
    if code is None:
        container.code = f"CT{site.id:06d}{container.id:08d}"
    session.flush()
    return container


def _own_open(session, actor: User, container_id: int, label: str) -> Container:
    container = locked(session, select(Container).where(Container.id == container_id)).first()
    if container is None or container.organization_id != actor.organization_id:
        raise NotFound(N_("{label} {container_id} 不存在或无权操作"), params={"label": label, "container_id": container_id})
    if container.status != ContainerStatus.OPEN:
        raise Conflict(N_("容器 {code} 已装车或已接收，不能再改变内容"), params={"code": container.code}, code="INVALID_TRANSITION",
                       details={"status": container.status})
    return container


@transactional
def put_into(session, *, actor: User, container_id: int, child_container_id: int | None = None,
             batch_id: int | None = None, quantity_kg: Decimal | None = None) -> Container:
    """Puts a small container into a bigger one (小箱进大箱), or a quantity of a batch into a container."""
    if (child_container_id is None) == (batch_id is None):
        raise ValidationFailed(N_("请给出 child_container_id 或 batch_id 之一"), details={"body": "one of the two"})
    outer = _own_open(session, actor, container_id, N_("容器"))
    if child_container_id is not None:
        inner = _own_open(session, actor, child_container_id, N_("容器"))
        if inner.parent_id is not None:
            raise Conflict(N_("容器 {code} 已装在另一个容器中"), params={"code": inner.code},
                           details={"parent_id": inner.parent_id})
        if inner.site_id != outer.site_id:
            raise ValidationFailed(N_("两个容器不在同一场所"), details={"child_container_id": "other site"})
        if outer.id in _tree_ids(session, [inner.id]):
            raise ValidationFailed(N_("不能把容器装进它自己或它里面的容器"), details={"child_container_id": "cycle"})
        inner.parent_id = outer.id
    else:
        if quantity_kg is None:
            raise ValidationFailed(N_("装入批次时必须填写 quantity_kg"), details={"quantity_kg": "required"})
        batch = session.scalars(select(Batch).where(Batch.id == batch_id).with_for_update()).first()
        if batch is None or batch.organization_id != actor.organization_id or batch.site_id != outer.site_id:
            raise ValidationFailed(N_("批次 {batch_id} 不存在、不属于本单位或不在该场所"), params={"batch_id": batch_id},
                                   details={"batch_id": "not here"})
        if outer.batch_id not in (None, batch.id):
            raise ValidationFailed(N_("一个容器直接装一个批次；不同批次请用不同小箱"), details={"batch_id": "other batch"})
        packed = session.scalar(select(func.coalesce(func.sum(type_coerce(Container.quantity_kg, BigInteger)), 0))
                                .where(Container.batch_id == batch.id, Container.status == ContainerStatus.OPEN))
        if kg_from_grams(int(packed)) + quantity_kg > batch.remaining_kg:
            raise ValidationFailed(N_("批次 {batch} 剩余 {remaining} kg，已装箱 {packed} kg，不能再装 {quantity} kg"),
                                   params={"batch": batch.unit_code, "remaining": batch.remaining_kg,
                                           "packed": kg_from_grams(int(packed)), "quantity": quantity_kg},
                                   code="INSUFFICIENT_QUANTITY", details={"remaining_kg": batch.remaining_kg})
        outer.batch_id = batch.id
        outer.quantity_kg += quantity_kg
    session.flush()
    return outer


def contents(session, container_ids: list[int]) -> dict[int, Decimal]:
    """Kilograms per batch inside the given containers and everything nested in them (weights add up)."""
    ids = _tree_ids(session, container_ids)
    rows = session.execute(select(Container.batch_id, func.sum(type_coerce(Container.quantity_kg, BigInteger)))
                           .where(Container.id.in_(ids), Container.batch_id.is_not(None))
                           .group_by(Container.batch_id)).all()
    return {batch_id: kg_from_grams(int(g)) for batch_id, g in rows if g}


def describe(session, *, actor: User, container_id: int) -> dict:
    """A container with its children, total weight and what batches it holds."""
    container = access.visible_container(session, actor, container_id)
    held = contents(session, [container.id])
    children = session.scalars(select(Container).where(Container.parent_id == container.id)
                               .order_by(Container.id)).all()
    return {"id": container.id, "code": container.code, "kind": container.kind, "status": container.status,
            "organization_id": container.organization_id, "site_id": container.site_id,
            "parent_id": container.parent_id, "manifest_id": container.manifest_id,
            "batch_id": container.batch_id, "own_kg": container.quantity_kg,
            "total_kg": sum(held.values(), ZERO), "container_count": len(_tree_ids(session, [container.id])),
            "children": [{"id": c.id, "code": c.code, "kind": c.kind,
                          "total_kg": sum(contents(session, [c.id]).values(), ZERO)} for c in children],
            "batches": [{"batch_id": b, "quantity_kg": q} for b, q in sorted(held.items())]}


@transactional
def issue_for_containers(session, *, actor: User, container_ids: list[int], now: datetime, **manifest) -> Manifest:
    """Loads whole containers on a new manifest: their nested contents become the lines, and every container
    inside is marked loaded on it (one transaction: the manifest and its loaded containers, or neither)."""
    access.require_role(actor, *ISSUER_ROLES, doing=N_("开具转移联单"))  # as POST /manifests: a role, then the boxes
    if not container_ids:
        raise ValidationFailed(N_("至少需要一个容器"), details={"container_ids": "empty"})
    roots = [_own_open(session, actor, cid, N_("容器")) for cid in container_ids]
    if any(r.parent_id is not None for r in roots):
        raise ValidationFailed(N_("请扫描最外层的容器"), details={"container_ids": "nested container"})
    ids = _tree_ids(session, container_ids)
    lines = [LineRequest(batch_id=b, quantity_kg=q) for b, q in sorted(contents(session, container_ids).items())]
    if not lines:
        raise ValidationFailed(N_("容器是空的"), details={"container_ids": "empty containers"})
    issued = issue_manifest(session, actor=actor, lines=lines, now=now, **manifest)
    for container in session.scalars(select(Container).where(Container.id.in_(ids))):
        container.manifest_id, container.status = issued.id, ContainerStatus.LOADED
    session.flush()
    return issued


def receive_container(session, *, actor: User, container_id: int, idempotency_key: str, now: datetime,
                      accepted_kg: Decimal | None = None, rejected_kg: Decimal | None = None,
                      reason: str | None = None, occurred_at: datetime | None = None):
    """Receiving the outer container receives its manifest; the containers then belong to the receiving site.

    With no figures the whole load is accepted as loaded. At a collector the containers' contents point at the
    new stock batches so the big box can be shipped onward as it is.
    """
    container = access.visible_container(session, actor, container_id)
    if container.manifest_id is None:
        raise Conflict(N_("容器 {code} 没有装在联单上"), params={"code": container.code}, code="INVALID_TRANSITION")
    manifest_id = container.manifest_id
    manifest = session.get(Manifest, manifest_id)
    if accepted_kg is None:
        accepted_kg, rejected_kg = manifest.total_kg - (rejected_kg or ZERO), rejected_kg
    # record_step moves the containers to the receiver in the same transaction (the move_received handler)
    return record_step(session, actor=actor, manifest_id=manifest_id, now=now, request=StepRequest(
        type=Step.RECEIVE, idempotency_key=idempotency_key, accepted_kg=accepted_kg, rejected_kg=rejected_kg,
        reason=reason, occurred_at=occurred_at))


def move_received(session, *, manifest: Manifest, event: ManifestEvent) -> None:
    """In-step handler: the containers loaded on a received manifest now belong to the receiving site.

    At a collector the containers' contents point at the new stock batches so the big box can be shipped onward
    as it is."""
    if event.type != Step.RECEIVE or manifest.accepted_kg == 0:
        return  # nothing was received (a full refusal): the boxes stay loaded until they travel back
    stock = dict(session.execute(select(LineageFlow.waste_code, LineageFlow.batch_id).where(
        LineageFlow.manifest_id == manifest.id, LineageFlow.kind == LineageKind.STOCKED)).all())
    loaded = session.scalars(select(Container).where(Container.manifest_id == manifest.id,
                                                     Container.status == ContainerStatus.LOADED)).all()
    for box in loaded:
        box.site_id, box.organization_id = manifest.receiver_site_id, manifest.receiver_id
        box.status = ContainerStatus.OPEN if stock else ContainerStatus.RECEIVED  # in a collector's stock it can be packed and shipped again
        if box.batch_id is not None:
            code = session.get(Batch, box.batch_id).waste_code
            box.batch_id = stock.get(code, box.batch_id)
    session.flush()


@transactional
def take_out(session, *, actor: User, container_id: int, child_container_id: int | None = None,
             batch_id: int | None = None) -> Container:
    """Unpacks: takes a nested container out of this one, or the batch's waste out of it (back to loose stock)."""
    if (child_container_id is None) == (batch_id is None):
        raise ValidationFailed(N_("请给出 child_container_id 或 batch_id 之一"), details={"body": "one of the two"})
    outer = _own_open(session, actor, container_id, N_("容器"))
    if child_container_id is not None:
        inner = _own_open(session, actor, child_container_id, N_("容器"))
        if inner.parent_id != outer.id:
            raise ValidationFailed(N_("容器 {inner} 不在容器 {outer} 中"), params={"inner": inner.code, "outer": outer.code},
                                   details={"child_container_id": "not inside"})
        inner.parent_id = None
    else:
        if outer.batch_id != batch_id:
            raise ValidationFailed(N_("容器 {code} 中没有批次 {batch_id}"), params={"code": outer.code, "batch_id": batch_id},
                                   details={"batch_id": "not inside"})
        outer.batch_id, outer.quantity_kg = None, ZERO
    session.flush()
    return outer


def list_containers(session, *, actor: User, site_id: int | None = None, page: int = 1,
                    per_page: int = 50) -> Page[Container]:
    """The actor's organization's containers, outermost first then newest, optionally at one site."""
    query = select(Container).where(Container.organization_id == (actor.organization_id or -1))
    if site_id:
        query = query.where(Container.site_id == site_id)
    return paginate(session, query.order_by(Container.parent_id.is_not(None), Container.id.desc()),
                    page=page, per_page=per_page)


def container_label(session, *, actor: User, container_id: int, fmt: str, base_url: str,
                    secret: str) -> labels.Rendered:
    """A container's label (the owner's): its code, what it holds with nested boxes, the hazards and its QR."""
    described = describe(session, actor=actor, container_id=container_id)
    if described["organization_id"] != actor.organization_id:
        raise Forbidden(N_("只有容器所属单位可以打印标签"))
    held = [(session.get(Batch, b["batch_id"]), b["quantity_kg"]) for b in described["batches"]]
    container = session.get(Container, container_id)
    content = labels.container_content(described, organization=container.site.organization.name,
                                       site=container.site.name, batches=held,
                                       qr_url=qr_url(base_url, secret, "container", container_id))
    return labels.Rendered(etag=labels.etag_of([content], fmt), mimetype=labels.RENDERERS[fmt][1],
                           filename=f"container-{described['code']}.{fmt}",
                           body=lambda: labels.render(content, fmt)[0])
