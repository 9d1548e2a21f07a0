"""The header menu: one entry per job, shown to whoever the capability (access.capabilities) allows.

Each area adds its own line here; base.html draws the entries in this order, in the page's language.
"""
from wastechain.domain.text import N_

# (endpoint, label, capability in `can`)
MENU = (
    ("driver.index", N_("我的运单"), "drive"),
    ("producer.index", N_("联单与标签"), "issue"),
    ("batches_page.index", N_("废物批次"), "issue"),
    ("receiver.index", N_("接收与处置"), "receive"),
    ("regulator.index", N_("异常工作台"), "regulate"),
    ("dashboard.index", N_("驾驶舱"), "regulate"),
    ("search.index", N_("查询与档案"), "regulate"),
    ("tipoff_desk.index", N_("有奖举报"), "regulate"),
    ("approvals_page.index", N_("跨区域审批"), "approvals"),
    ("ledger_pages.index", N_("台账"), "ledger"),
    ("declarations.index", N_("申报与付款"), "declare"),
    ("carrier.index", N_("承运联单"), "carry"),
    ("enterprise_anomalies.index", N_("本单位异常"), "enterprise_anomalies"),
    ("enterprises.own_credit", N_("信用档案"), "tasks"),
    ("company.index", N_("单位管理"), "company"),
    ("catalog_admin.index", N_("名录版本"), "catalog"),
)
