"""The one catalog of input fields by their human names: errors of the API and the pages name a field this way,
never by its JSON key ("重量（kg）", not "quantity_kg"). Chinese, marked for translation; pages and the error
handler translate the name with the message."""
from wastechain.domain.text import N_

FIELD_NAMES = {
    # manifests and steps
    "type": N_("环节"), "idempotency_key": N_("幂等键"), "occurred_at": N_("发生时间"), "lat": N_("纬度"),
    "lon": N_("经度"), "quantity_kg": N_("重量（kg）"), "accepted_kg": N_("接收量（kg）"),
    "rejected_kg": N_("拒收量（kg）"), "reason": N_("原因"), "method": N_("方式"), "handover_code": N_("交接码"),
    "handover_exception_reason": N_("未用交接码的原因"), "lines": N_("联单明细"), "batch_id": N_("批次"),
    "receiver_site_id": N_("接收场所"), "transporter_id": N_("运输单位"), "vehicle_id": N_("车辆"),
    "driver_id": N_("驾驶员"), "planned_pickup_at": N_("计划提货时间"), "approval_id": N_("审批"),
    "manifest_id": N_("联单"), "number": N_("联单编号"), "status": N_("状态"), "note": N_("说明"),
    "pickup_kg": N_("提货重量（kg）"), "field": N_("修订项"), "ask_id": N_("监管部门要求修订"), "party": N_("相关单位"),
    # batches, containers, sites
    "waste_code": N_("废物代码"), "site_id": N_("场所"), "generated_at": N_("产生时间"), "code": N_("代码"),
    "child_container_id": N_("内层容器"), "container_ids": N_("容器"), "destination_site_id": N_("目的场所"),
    "capacity_kg": N_("容量（kg）"), "max_quantity_kg": N_("最大数量（kg）"), "max_load_kg": N_("核定载重（kg）"),
    "annual_capacity_kg": N_("年经营规模（kg）"), "plate": N_("车牌号"), "valid_from": N_("生效日期"),
    "valid_to": N_("截止日期"), "producer_id": N_("产生单位"), "region": N_("区域"), "region_code": N_("区域"),
    # accounts and organizations
    "username": N_("用户名"), "password": N_("密码"), "name": N_("名称"), "address": N_("地址"),
    "credit_code": N_("统一社会信用代码"), "role": N_("角色"), "organization_id": N_("单位"),
    "display_name": N_("姓名"),
    # payments, ledger, lists
    "amount": N_("金额"), "payee_id": N_("收款单位"), "payer_id": N_("付款单位"), "paid_at": N_("付款时间"),
    "reference": N_("付款凭证号"), "period": N_("周期"), "format": N_("格式"), "date": N_("日期"),
    "from": N_("开始日期"), "to": N_("结束日期"), "date_from": N_("开始日期"), "date_to": N_("结束日期"),
    "at": N_("日期"), "q": N_("搜索词"), "page": N_("页码"), "per_page": N_("每页条数"), "severity": N_("严重程度"),
    "body": N_("请求内容"),
    "description": N_("情况描述"), "contact": N_("联系方式"), "happened_at": N_("事发时间"), "photos": N_("照片"),
}


def field_name(key: str) -> str:
    """A field's human name (Chinese; translate it for the page), the key itself when not catalogued.

    A nested path ("lines.0.quantity_kg") is named by its last catalogued part."""
    parts = [p for p in str(key).split(".") if p]
    named = next((p for p in reversed(parts) if p in FIELD_NAMES), None)
    return FIELD_NAMES[named] if named else str(key)
