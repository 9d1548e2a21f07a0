from flask import send_file

from wastechain.api.common import Blueprint, current_user, db, listed, login_required, now, page_schema, paging
from wastechain.api.paper.schemas import PaperArgs, PaperEntryIn, PaperEntryOut, PaperStepIn, ScanIn
from wastechain.requestctx import paper_scan_dir
from wastechain.services.manifests import StepRequest, paper

bp = Blueprint("paper", __name__, description="纸质联单补录：系统故障时的纸质联单，事后附扫描件补录，由监管部门确认")


@bp.post("/manifests/<int:manifest_id>/paper-entries")
@login_required
@bp.arguments(PaperStepIn, location="form")
@bp.arguments(ScanIn, location="files")
@bp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": PaperEntryIn}}})
@bp.response(201, PaperEntryOut)
def enter_paper_step(form, files, manifest_id):
    """A step of a paper manifest entered afterwards (multipart: the step's fields and `scan`), up to 10 working
    days late, by the party that took it; its event carries `data.paper_scan` (the scan's SHA-256)."""
    result = paper.enter_paper_step(db(), actor=current_user(), manifest_id=manifest_id, request=StepRequest(**form),
                                    scan=files["scan"].read(), scan_dir=paper_scan_dir(), now=now())
    return paper.get_paper_entry(db(), actor=current_user(), entry_id=paper.entry_of(db(), result.event.id))


@bp.get("/paper-entries")
@login_required
@bp.arguments(PaperArgs, location="query")
@bp.response(200, page_schema(PaperEntryOut))
def list_paper_entries(args):
    """Paper entries of the manifests the user may see; `unconfirmed` keeps those no regulator confirmed yet."""
    return listed(paper.list_paper_entries(db(), actor=current_user(), unconfirmed=args["unconfirmed"],
                                           **paging(args)))


@bp.post("/paper-entries/<int:entry_id>/confirm")
@login_required
@bp.response(200, PaperEntryOut)
def confirm_paper_entry(entry_id):
    """A regulator of the manifest's origin or destination confirms the entry against its paper form."""
    return paper.confirm_paper_entry(db(), actor=current_user(), entry_id=entry_id, now=now())


@bp.get("/paper-entries/<int:entry_id>/scan")
@login_required
@bp.response(200, description="the scan of the paper form, as stored")
def paper_scan(entry_id):
    entry = paper.get_paper_entry(db(), actor=current_user(), entry_id=entry_id)
    return send_file(paper.scan_path(paper_scan_dir(), entry), mimetype=entry.scan_type)
