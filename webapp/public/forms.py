"""The search form (GET, so no CSRF token: it changes nothing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import DateField, Form, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from webapp.models import Department, Region
from webapp.routing import id_arg
from webapp.rules.kinds import (
    LIST_NATURE_LABELS,
    RECORD_KIND_LABELS,
    SUBJECT_TYPES,
)

TABS = {"subjects": "信用主体", "records": "信用信息"}
SORTS = {"relevance": "按相关度", "date": "按日期（新到旧）"}


def _choices(pairs: Any, any_label: str | None = "不限") -> list[SelectChoice]:
    """Options for a select, with an "any" option first (empty value)."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    head = [SelectChoice("", any_label)] if any_label else []
    return [*head, *(SelectChoice(str(value), label) for value, label in items)]


def _int_or_none(value: Any) -> int | None:
    try:
        return id_arg(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


class SearchForm(Form):
    q = StringField("查询内容", validators=[Optional()])
    tab = SelectField("查询类别", choices=_choices(TABS, None), default="subjects",
                      validate_choice=False)
    kind = SelectField("信息类别", choices=_choices(RECORD_KIND_LABELS), default="")
    list_nature = SelectField("名单性质", choices=_choices(LIST_NATURE_LABELS), default="")
    department = SelectField("部门", coerce=_int_or_none, default=None, choices=_choices([]))
    region = SelectField("区域", coerce=_int_or_none, default=None, choices=_choices([]))
    subject_type = SelectField(
        "主体类别", choices=_choices((t, t) for t in SUBJECT_TYPES), default=""
    )
    date_from = DateField("决定日期自", validators=[Optional()])
    date_to = DateField("决定日期至", validators=[Optional()])
    sort = SelectField("排序", choices=_choices(SORTS, None), default="relevance")
    page = IntegerField("页码", default=1, validators=[Optional(), NumberRange(min=1, max=500)])

    def load_choices(self, session: Session) -> None:
        """Departments and regions from the database."""
        departments = session.execute(select(Department.id, Department.name)
                                      .order_by(Department.name)).all()
        regions = session.execute(select(Region.id, Region.name).order_by(Region.code)).all()
        self.department.choices = _choices(departments)
        self.region.choices = _choices(regions)

    @property
    def active_tab(self) -> str:
        return self.tab.data if self.tab.data in TABS else "subjects"

    @property
    def page_number(self) -> int:
        return self.page.data if self.page.data and not self.page.errors else 1

    @property
    def query(self) -> str:
        return (self.q.data or "").strip()[:100]
