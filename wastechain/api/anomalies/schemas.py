import marshmallow as ma

from wastechain.api.common import Day, PageArgs, Text, Time
from wastechain.domain.anomalies import CATALOG, SEVERITIES, STATUSES
from wastechain.domain.vocabulary import AnomalyStatus


class ReconciliationIn(ma.Schema):
    date = Day(required=True)


class ReconciliationOut(ma.Schema):
    date = ma.fields.String()
    anomalies_found = ma.fields.Integer()
    new_anomalies = ma.fields.Integer()
    by_code = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    rerun = ma.fields.Boolean()
    seal = ma.fields.String(metadata={"description": "created | unchanged | mismatch | deferred"})
    events_sealed = ma.fields.Integer()
    manifests_verified = ma.fields.Integer()
    seals_rechecked = ma.fields.Integer()
    duration_s = ma.fields.Float()
    changes = ma.fields.List(ma.fields.String())


class AnomalyArgs(PageArgs):
    date = Day(load_default=None)
    date_from = Day(load_default=None, data_key="from")
    date_to = Day(load_default=None, data_key="to")
    code = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(CATALOG)))
    region = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{6}$"))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))
    severity = ma.fields.String(load_default=None, validate=ma.validate.OneOf(SEVERITIES))
    assignee_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=2**31 - 1),
                                    metadata={"description": "only the anomalies assigned to this officer"})


class NoteOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    author_id = ma.fields.Integer()
    author_role = ma.fields.String()
    author_name = ma.fields.Function(lambda n: n.author.shown_name if n.author else None, allow_none=True,
                                     metadata={"description": "the person who wrote it (their name, else login)"})
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    note = ma.fields.String()
    created_at = Time()


class AnomalyOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.Function(lambda a: CATALOG[a.code].name)
    severity = ma.fields.String()
    status = ma.fields.String()
    date = ma.fields.Date(attribute="day")
    source = ma.fields.String()
    subject = ma.fields.Function(lambda a: {"type": a.subject_type, "id": a.subject_id, "label": a.subject_label})
    region_code = ma.fields.String()
    related_region_code = ma.fields.String(allow_none=True)
    organization_id = ma.fields.Integer(allow_none=True)
    manifest_id = ma.fields.Integer(allow_none=True)
    evidence = ma.fields.Dict()
    detected_at = Time()
    status_changed_at = Time(allow_none=True)
    assignee_id = ma.fields.Integer(allow_none=True, metadata={"description": "the officer in charge"})
    assignee_name = ma.fields.Function(lambda a: a.assignee.shown_name if a.assignee else None, allow_none=True)
    assigned_at = Time(allow_none=True)


class AnomalyDetailOut(AnomalyOut):
    history = ma.fields.List(ma.fields.Nested(NoteOut), attribute="notes")


class StatusIn(ma.Schema):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf([AnomalyStatus.ACKNOWLEDGED.value, AnomalyStatus.RESOLVED.value]))
    note = Text(load_default="", min_length=0, max_length=2000, multiline=True)


class AssignmentIn(ma.Schema):
    assignee_id = ma.fields.Integer(required=True, allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1),
                                    metadata={"description": "a regulator of the jurisdiction who can act on the "
                                                             "anomaly; null takes the assignment back"})


class NoteIn(ma.Schema):
    note = Text(required=True, max_length=2000, multiline=True)
