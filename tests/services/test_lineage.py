"""Quantity invariants over any sequence of allowed steps (property-based, through the real services).

Nothing is created or lost: every origin batch's trace adds up to it, every flow holds at least what its children
took, every batch's open parts equal its remaining quantity, and no site's stock is ever negative — also when
receipts refuse waste (line by line or as a whole) and the refused waste travels on return or redirect manifests
(issue 10); and a manifest with a refused part is closed only once that part has arrived.
"""
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import aliased

from tests.factories import NOW, build_collection, make_batch, make_rival_transporter, user_named
from wastechain.domain.errors import DomainError
from wastechain.domain.quantities import kg_from_grams
from wastechain.models import Batch, LineageFlow, Manifest, Site
from wastechain.services import lineage
from wastechain.services.lineage import flows
from wastechain.services.storage import ledger
from wastechain.services.manifests import (LegRequest, LineReceipt, LineRequest, StepRequest, confirm_transfer,
                                          issue_code, issue_manifest, record_step)
from wastechain.services.manifests.onward import refused_part_arrived

ACTIONS = st.lists(st.tuples(st.sampled_from(["issue", "issue", "advance", "advance", "advance", "advance", "onward",
                                              "move_refused", "move_refused"]),
                             st.integers(0, 10**6), st.integers(1, 1000), st.integers(0, 1000)),
                   min_size=5, max_size=50)


def _g(column):
    return type_coerce(column, BigInteger)


def _kg(grams: int) -> Decimal:
    return kg_from_grams(grams)


class Chain:
    def __init__(self, session, world):
        self.session, self.world = session, world
        self.extra = world.extra if "collector" in world.extra else build_collection(session, world)
        if "rival" not in world.extra:  # 联运: a second carrier for some manifests
            world.extra["rival"] = make_rival_transporter(session)
        self.users = {n: user_named(session, n) for n in ("producer", "collector", "receiver", "driver",
                                                            "rival_driver")}
        self.keys = 0

    def step(self, manifest: Manifest, type_: str, user: str, **fields):
        self.keys += 1
        request = StepRequest(type=type_, idempotency_key=f"p-{manifest.id}-{self.keys}", **fields)
        return record_step(self.session, actor=self.users[user], manifest_id=manifest.id, request=request,
                           now=NOW + timedelta(minutes=self.keys))

    def issue(self, user: str, batch: Batch, kg: Decimal, receiver_site: Site, *, legs: bool = False):
        return issue_manifest(self.session, actor=self.users[user], lines=[LineRequest(batch.id, kg)],
                              receiver_site_id=receiver_site.id, transporter_id=self.world.transporter.id,
                              planned_pickup_at=NOW + timedelta(hours=1), now=NOW,
                              legs=[LegRequest(self.world.extra["rival"].id)] if legs else [])

    def hand_over(self, manifest: Manifest):
        """联运: the first driver's code, typed by the second carrier's driver."""
        self.keys += 1
        at = NOW + timedelta(minutes=self.keys)
        code = issue_code(self.session, actor=self.users["driver"], manifest_id=manifest.id, secret="s", now=at)
        confirm_transfer(self.session, actor=self.users["rival_driver"], manifest_id=manifest.id, code=code.code,
                         request=StepRequest(type="transfer", idempotency_key=f"p-{manifest.id}-{self.keys}"),
                         secret="s", now=at)

    def refused_batches(self) -> list[Batch]:
        return self.session.scalars(select(Batch).where(Batch.refused_from_id.is_not(None), Batch.remaining_kg > 0)
                                    .order_by(Batch.id)).all()

    def open_batches(self, org_id: int) -> list[Batch]:
        return self.session.scalars(select(Batch).where(Batch.organization_id == org_id, Batch.remaining_kg > 0)
                                    .order_by(Batch.id)).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(1, 500_000), min_size=1, max_size=3), actions=ACTIONS)
def test_no_sequence_of_allowed_steps_creates_or_loses_a_gram(session, world, sizes, actions):
    chain = Chain(session, world)
    originals = [make_batch(session, world.producer, world.producer_site, kg=str(_kg(g))) for g in sizes]
    session.commit()
    manifests: list[Manifest] = []
    for action, pick, frac, split in actions:
        try:
            if action == "issue" or action == "onward":
                user, org = ("producer", world.producer) if action == "issue" else ("collector", chain.extra["collector"])
                batches = chain.open_batches(org.id)
                if not batches:
                    continue
                batch = batches[pick % len(batches)]
                kg = max(_kg(int(batch.remaining_kg * 1000) * frac // 1000), Decimal("0.001"))
                target = world.receiver_site if action == "onward" or pick % 2 else chain.extra["collector_site"]
                manifests.append(chain.issue(user, batch, kg, target, legs=split % 3 == 0))
            elif action == "move_refused":  # back to where it came from, or redirected to another receiver
                batches = chain.refused_batches()
                if not batches:
                    continue
                batch = batches[pick % len(batches)]
                refusing = session.get(Manifest, batch.refused_from_id)
                user = "producer" if batch.organization_id == world.producer.id else "collector"
                target = [refusing.origin_site, world.receiver_site, chain.extra["collector_site"]][split % 3]
                kg = max(_kg(int(batch.remaining_kg * 1000) * frac // 1000), Decimal("0.001"))
                manifests.append(chain.issue(user, batch, kg, target))
            else:
                live = [m for m in manifests if m.status in ("issued", "delivered", "received")]
                if not live:
                    continue
                m = live[pick % len(live)]
                receiver = {chain.extra["collector"].id: "collector", world.producer.id: "producer"}.get(
                    m.receiver_id, "receiver")
                if m.status == "issued" and split % 5 == 0:
                    chain.step(m, "cancel", "producer" if m.issuer_id == world.producer.id else "collector",
                               reason="变更")
                elif m.status == "issued":
                    chain.step(m, "pickup", "driver")
                    if m.current_leg is not None:
                        chain.hand_over(m)
                    chain.step(m, "deliver", "rival_driver" if m.current_leg else "driver")
                elif m.status == "delivered":
                    weighed = _kg(int(m.total_kg * 1000) * (900 + split % 150) // 1000) or Decimal("0.001")
                    accepted = _kg(int(weighed * 1000) * (split % 1001) // 1000)
                    if split % 3:
                        chain.step(m, "receive", receiver, quantity_kg=weighed, accepted_kg=accepted,
                                   rejected_kg=weighed - accepted, reason="包装不符")
                    else:  # line by line
                        chain.step(m, "receive", receiver, lines=(LineReceipt(
                            m.lines[0].id, accepted, weighed - accepted, "包装不符"),))
                elif m.status == "received":
                    open_kg = m.accepted_kg - m.disposed_kg
                    chain.step(m, "dispose", receiver, quantity_kg=max(_kg(int(open_kg * 1000) * frac // 1000),
                                                                       Decimal("0.001")), method="D10")
        except DomainError:
            session.rollback()
    session.expire_all()
    admin = user_named(session, "admin")
    assert not session.scalar(select(func.count()).select_from(Batch).where(Batch.remaining_kg < 0))
    child = aliased(LineageFlow)
    overdrawn = session.execute(
        select(LineageFlow.id).join(child, child.parent_id == LineageFlow.id).group_by(LineageFlow.id, LineageFlow.quantity_kg)
        .having(func.sum(_g(child.quantity_kg)) > func.max(_g(LineageFlow.quantity_kg)))).all()
    assert overdrawn == []
    for batch in originals:
        trace = lineage.trace_batch(session, actor=admin, batch_id=batch.id)
        assert sum(trace["accounted_kg"].values()) == batch.quantity_kg
        assert trace["closed_kg"] + trace["open_kg"] == batch.quantity_kg
    for batch in session.scalars(select(Batch)).all():
        parts = flows._open_parts(session, (LineageFlow.batch_id == batch.id,
                                            LineageFlow.kind.in_(flows.HOLDING_KINDS)))
        if parts:
            assert _kg(sum(g for _, g in parts)) == batch.remaining_kg
    for site in session.scalars(select(Site)).all():
        assert all(kg >= 0 for kg in ledger.stock_at(session, site.id, NOW + timedelta(days=1)).values())
    for m in manifests:
        session.refresh(m)
        if m.status != "cancelled":
            origins = lineage.manifest_origins(session, actor=admin, manifest_id=m.id)
            assert origins["origins_kg"] == m.total_kg
        if m.status == "closed" and m.rejected_kg:
            assert refused_part_arrived(session, m.id)
