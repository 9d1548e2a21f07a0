"""My tasks (待办): one page of what waits on the user's company, and the header's badge (one count per page)."""
from flask import Blueprint, g, render_template
from flask_login import current_user

from wastechain.domain.anomalies import CATALOG
from wastechain.domain.states import STATUS_NAMES
from wastechain.services import access
from wastechain.services.accounts import tasks
from wastechain.web.common import actor, db, now, roles_required, settings

bp = Blueprint("tasks", __name__)

ENTERPRISE_ROLES = tuple(r.value for r in access.ENTERPRISE_ROLES)


@bp.get("/tasks")
@roles_required(*ENTERPRISE_ROLES)
def index():
    found = tasks.my_tasks(db(), actor=actor(), now=now(),
                           receipt_working_days=settings().thresholds.receipt_overdue_working_days,
                           thresholds=settings().thresholds)
    return render_template("tasks/index.html", tasks=found, catalog=CATALOG, status_names=STATUS_NAMES,
                           today=now())


def task_count() -> int:
    """The header badge's number, counted once per request and only when base.html draws it."""
    if "task_count" not in g:
        user = current_user if current_user.is_authenticated else None
        g.task_count = tasks.count(db(), actor=user, now=now(), thresholds=settings().thresholds) if user is not None else 0
    return g.task_count


def init_app(app) -> None:
    @app.context_processor
    def _task_badge():
        return {"task_count": task_count}
