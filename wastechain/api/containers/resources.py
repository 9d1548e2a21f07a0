import marshmallow as ma

from wastechain.api.batches.resources import conditional
from wastechain.api.common import (Blueprint, PageArgs, current_user, db, Id, listed, login_required, now,
                                   page_schema, paging, settings)
from wastechain.api.containers.schemas import (ContainerIn, ContainerManifestIn, ContainerOut, ContainerReceiveIn,
                                               ContentIn, TakeOutIn)
from wastechain.api.manifests.schemas import ManifestOut, StepEventOut
from wastechain.services.storage import containers

bp = Blueprint("containers", __name__, description="容器（小箱进大箱）")


@bp.post("/containers")
@login_required
@bp.arguments(ContainerIn)
@bp.response(201, ContainerOut)
def create(body):
    """Register an empty container (box, drum, bag…) at one of the user's sites."""
    container = containers.create_container(db(), actor=current_user(), now=now(), **body)
    return containers.describe(db(), actor=current_user(), container_id=container.id)


@bp.get("/containers/<int:container_id>")
@login_required
@bp.response(200, ContainerOut)
def get(container_id):
    """A container with its nested containers, total weight and the batches it holds."""
    return containers.describe(db(), actor=current_user(), container_id=container_id)


@bp.post("/containers/<int:container_id>/contents")
@login_required
@bp.arguments(ContentIn)
@bp.response(200, ContainerOut)
def put_into(body, container_id):
    """Put a small container into this one (小箱进大箱), or a quantity of a batch."""
    containers.put_into(db(), actor=current_user(), container_id=container_id, **body)
    return containers.describe(db(), actor=current_user(), container_id=container_id)


@bp.post("/containers/<int:container_id>/contents/remove")
@login_required
@bp.arguments(TakeOutIn)
@bp.response(200, ContainerOut)
def take_out(body, container_id):
    """Unpack: take a nested container out of this one, or the batch's waste out of it (owner, open containers)."""
    containers.take_out(db(), actor=current_user(), container_id=container_id, **body)
    return containers.describe(db(), actor=current_user(), container_id=container_id)


class ContainerArgs(PageArgs):
    site_id = Id(load_default=None)


class ContainerRowOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    kind = ma.fields.String()
    status = ma.fields.String()
    site_id = ma.fields.Integer()
    parent_id = ma.fields.Integer(allow_none=True)
    batch_id = ma.fields.Integer(allow_none=True)
    manifest_id = ma.fields.Integer(allow_none=True)


@bp.get("/containers")
@login_required
@bp.arguments(ContainerArgs, location="query")
@bp.response(200, page_schema(ContainerRowOut))
def list_containers(args):
    """The organization's containers (outermost first), optionally at one site."""
    return listed(containers.list_containers(db(), actor=current_user(), site_id=args["site_id"], **paging(args)))


def _label(container_id: int, fmt: str):
    return conditional(containers.container_label(db(), actor=current_user(), container_id=container_id, fmt=fmt,
                                                  base_url=settings().public_base_url, secret=settings().secret_key))


@bp.get("/containers/<int:container_id>/label.pdf")
@login_required
@bp.response(200, content_type="application/pdf")
def label_pdf(container_id):
    """The container's label (owner): code, contents with nested boxes, hazards and QR; ETag / 304."""
    return _label(container_id, "pdf")


@bp.get("/containers/<int:container_id>/label.png")
@login_required
@bp.response(200, content_type="image/png")
def label_png(container_id):
    """The container's label as PNG (owner); ETag / 304."""
    return _label(container_id, "png")


@bp.post("/containers/manifests")
@login_required
@bp.arguments(ContainerManifestIn)
@bp.response(201, ManifestOut)
def issue(body):
    """Issue a manifest for whole containers: everything nested inside becomes its lines (same rules)."""
    return containers.issue_for_containers(db(), actor=current_user(), now=now(), **body)


@bp.post("/containers/<int:container_id>/receive")
@login_required
@bp.arguments(ContainerReceiveIn)
@bp.response(201, StepEventOut)
@bp.alt_response(200, schema=StepEventOut, description="the same idempotency key again: the first event")
def receive(body, container_id):
    """Receive the manifest a container travels on by scanning the outer container (the receiver)."""
    result = containers.receive_container(db(), actor=current_user(), container_id=container_id, now=now(), **body)
    return result.event, 201 if result.created else 200
