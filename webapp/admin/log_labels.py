"""The audit and query-use logs in words a clerk reads: Chinese action names, the object
named (案件 YY…, 记录 文书号, 用户 名), and before/after as a table of Chinese field names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from webapp.admin.forms import KIND_LABELS, OUTCOME_LABELS, STATE_LABELS
from webapp.extensions import db
from webapp.models import ImportBatch, Record, StaffUser, Subject
from webapp.models.petitions import Case
from webapp.models.staff import ROLE_LABELS
from webapp.rules.kinds import VISIBILITY_LABELS
from webapp.services.imports.plan import FIELD_LABELS

ACTION_LABELS = {
    "case.accept": "受理案件", "case.reject": "不予受理", "case.verify": "开始核查",
    "case.decide": "答复案件", "case.close": "办结案件", "case.reassign": "转交部门",
    "case.assign": "指派承办人", "record.update": "更正/变更信用信息",
    "code.withdraw": "作废信用码", "code.reissue": "换发信用码",
    "declaration.approve": "通过自主申报", "declaration.reject": "不予通过自主申报",
    "declaration.withdraw": "撤下自主申报公示",
    "import.preview": "上传文件（预览）", "import.upload": "导入文件", "import.discard": "取消上传",
    "import.expire": "预览逾期自动取消",
    "import.override": "强制导入冲突行", "import.rollback": "回滚导入批次",
    "staff.login": "登录", "staff.logout": "退出登录", "staff.login_failed": "登录失败",
    "staff.create": "新建账号", "staff.update": "修改账号", "staff.disable": "停用账号",
    "staff.enable": "启用账号", "staff.unlock": "解锁账号", "staff.password_reset": "重置密码",
    "staff.password_change": "修改密码",
}
KEY_LABELS = {
    **FIELD_LABELS, "state": "状态", "outcome": "处理结果", "reason": "理由/说明",
    "note": "意见", "department": "部门", "department_id": "部门编号", "assignee": "承办人编号",
    "assignee_name": "承办人", "serial": "序列号", "kid": "签名密钥", "category": "类别",
    "enabled": "启用", "role": "角色", "username": "用户名", "display_name": "姓名",
    "filename": "文件", "rows_total": "总行数", "created": "新增", "updated": "更新",
    "unchanged": "未变", "rejected": "拒绝", "conflicts": "冲突", "unusable": "无法导入原因",
    "records_deleted": "删除记录", "records_restored": "恢复记录",
    "subjects_deleted": "删除主体", "subjects_restored": "恢复主体",
    "subjects_kept": "保留的主体", "must_change_password": "须修改密码",
    "visibility": "公示状态",
}
_VALUE_LABELS: dict[str, dict[str, str]] = {
    "state": {**STATE_LABELS, "active": "有效", "withdrawn": "已作废", "pending": "待审核",
              "approved": "已通过"},
    "outcome": {k: v for labels in OUTCOME_LABELS.values() for k, v in labels.items()},
    "visibility": {v.value: label for v, label in VISIBILITY_LABELS.items()},
    "role": {r.value: label for r, label in ROLE_LABELS.items()},
    "kind": KIND_LABELS,
}
SURFACE_LABELS = {
    "public.search": "网站搜索", "public.subject": "网站信用档案", "public.record": "网站信息详情",
    "public.honour_board": "诚信红黑榜", "api.search": "接口搜索", "api.subject": "接口主体查询",
    "report": "信用报告",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(_value(key, v) for v in value) if value else "—"
    if isinstance(value, dict):
        return "，".join(f"{KEY_LABELS.get(k, k)}：{_value(k, v)}" for k, v in value.items())
    return _VALUE_LABELS.get(key, {}).get(str(value), str(value))


def diff_rows(before: dict[str, Any] | None, after: dict[str, Any] | None
              ) -> list[tuple[str, str, str, bool]]:
    """(field, before, after, changed) for every key of either side."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(KEY_LABELS.get(k, k), _value(k, before.get(k)) if k in before else "",
             _value(k, after.get(k)) if k in after else "",
             k in before and k in after and before[k] != after[k]) for k in keys]


def target_names(targets: Iterable[str]) -> dict[str, str]:
    """"case:5" → "案件 YY20260601-000005", looked up in one query per kind."""
    targets = list(targets)
    wanted: dict[str, set[int]] = {}
    for target in targets:
        kind, _, ident = target.partition(":")
        if ident.isdigit():
            wanted.setdefault(kind, set()).add(int(ident))
    names: dict[str, str] = {}

    def load(kind: str, model: Any, label: Any) -> None:
        ids = wanted.get(kind)
        if ids:
            for obj in db.session.scalars(select(model).where(model.id.in_(ids))):
                names[f"{kind}:{obj.id}"] = label(obj)

    load("case", Case, lambda c: f"案件 {c.number}")
    load("record", Record, lambda r: f"记录 {r.doc_number or r.title or r.id}")
    load("subject", Subject, lambda s: f"主体 {s.name}")
    load("staff", StaffUser, lambda u: f"用户 {u.display_name}（{u.username}）")
    load("import_batch", ImportBatch, lambda b: f"导入批次 #{b.id}（{b.filename}）")
    for target in targets:
        kind, _, ident = target.partition(":")
        if target not in names:
            prefix = {"case": "案件", "record": "记录", "subject": "主体", "staff": "用户",
                      "import_batch": "导入批次", "declaration": "自主申报",
                      "username": "用户名"}.get(kind)
            names[target] = f"{prefix} {ident}" if prefix else target
    return names
