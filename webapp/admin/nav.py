"""The back office menu: (endpoint, label, roles allowed). Other admin modules append here."""

from __future__ import annotations

from flask import current_app, url_for

from webapp.models.staff import Role, StaffUser

ALL_STAFF: tuple[Role, ...] = (Role.ADMIN, Role.REVIEWER, Role.DATA_OFFICER)

NAV: list[tuple[str, str, tuple[Role, ...]]] = [
    ("admin.index", "后台首页", ALL_STAFF),
    ("admin.cases", "案件办理", (Role.ADMIN, Role.REVIEWER)),
    ("admin.uploads", "数据上报", (Role.ADMIN, Role.DATA_OFFICER)),
    ("admin.statistics", "办理统计", (Role.ADMIN, Role.REVIEWER)),
    ("admin.codes_admin", "信用码管理", (Role.ADMIN,)),
    ("admin.users", "用户管理", (Role.ADMIN,)),
    ("admin.kiosks", "查询机管理", (Role.ADMIN,)),
    ("admin.audit_log", "操作日志", (Role.ADMIN,)),
    ("admin.query_log", "查询使用登记", (Role.ADMIN,)),
]


def visible_nav(staff: StaffUser) -> list[tuple[str, str]]:
    """(url, label) of the entries this user may open; unregistered endpoints are skipped."""
    items = []
    for endpoint, label, roles in NAV:
        if endpoint in current_app.view_functions and staff.has_role(*roles):
            items.append((url_for(endpoint), label))
    return items
