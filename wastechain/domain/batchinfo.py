"""What a batch carries besides its quantity: the HJ 1276-2022 label fields, and its time in storage against the
legal limit (domain/storage.py), with a warning before it is due."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from wastechain.domain.text import N_


class WasteForm(StrEnum):
    """废物形态 (HJ 1276-2022 标签内容)."""

    SOLID = "solid"
    SEMI_SOLID = "semi_solid"
    LIQUID = "liquid"
    GAS = "gas"


WASTE_FORM_NAMES = {WasteForm.SOLID: N_("固态"), WasteForm.SEMI_SOLID: N_("半固态"), WasteForm.LIQUID: N_("液态"),
                    WasteForm.GAS: N_("气态")}

# The label fields a batch keeps (HJ 1276-2022 5.2): (name, maximum length)
LABEL_TEXT_FIELDS = (("main_components", 200), ("hazardous_components", 200), ("precautions", 200),
                     ("contact_name", 50), ("contact_phone", 30))

# Warn once this share of the storage limit has passed: hazardous waste ~2 months, medical waste ~10 hours ahead.
WARN_SHARE = 0.8


class StorageState(StrEnum):
    NO_LIMIT = "no_limit"
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


STORAGE_STATE_NAMES = {StorageState.NO_LIMIT: N_("无法定期限"), StorageState.OK: N_("期限内"),
                       StorageState.DUE_SOON: N_("即将到期"), StorageState.OVERDUE: N_("已超期")}


@dataclass(frozen=True)
class StorageTime:
    """How long a batch has been in storage, its limit and what that means (days, or hours for medical waste)."""

    days: int
    hours: int
    limit: timedelta | None
    due_at: datetime | None
    state: StorageState

    @property
    def in_hours(self) -> bool:
        """Limits under three days (medical waste: 48 h) are shown in hours."""
        return self.limit is not None and self.limit < timedelta(days=3)

    @property
    def limit_days(self) -> int | None:
        return None if self.limit is None else self.limit.days

    @property
    def limit_hours(self) -> int | None:
        return None if self.limit is None else int(self.limit.total_seconds() // 3600)


def storage_time(stored_since: datetime, now: datetime, limit: timedelta | None, *, empty: bool = False) -> StorageTime:
    """Time in storage of a batch; an empty (shipped) batch is never due."""
    held = max(now - stored_since, timedelta(0))
    if limit is None or empty:
        state = StorageState.NO_LIMIT if limit is None else StorageState.OK
    elif held > limit:
        state = StorageState.OVERDUE
    elif held >= limit * WARN_SHARE:
        state = StorageState.DUE_SOON
    else:
        state = StorageState.OK
    return StorageTime(days=held.days, hours=int(held.total_seconds() // 3600), limit=limit,
                       due_at=None if limit is None else stored_since + limit, state=state)


# The fields of a batch as a person reads them: form labels, import template headers, error messages.
BATCH_FIELD_NAMES = {
    "waste_code": N_("废物代码"), "site_id": N_("贮存场所"), "quantity_kg": N_("重量（kg）"),
    "generated_at": N_("产生时间"), "container_count": N_("容器数量"), "waste_form": N_("废物形态"),
    "main_components": N_("主要成分"), "hazardous_components": N_("有害成分"), "precautions": N_("注意事项"),
    "contact_name": N_("联系人"), "contact_phone": N_("联系电话"),
}

BATCH_STATUS_NAMES = {"stored": N_("在库"), "partially_shipped": N_("部分转移"), "shipped": N_("已全部转移")}

HAZARD_NAMES = {"T": N_("毒性"), "C": N_("腐蚀性"), "I": N_("易燃性"), "R": N_("反应性"), "In": N_("感染性")}

CONTAINER_KIND_NAMES = {"small_box": N_("小箱"), "big_box": N_("大箱"), "drum": N_("桶"), "bag": N_("袋"),
                        "ibc": N_("吨桶"), "pallet": N_("托盘")}
CONTAINER_STATUS_NAMES = {"open": N_("可装箱"), "loaded": N_("已装车"), "received": N_("已接收")}
