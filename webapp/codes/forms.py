"""Forms of the codes feature (CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from webapp.models.codes import DECLARATION_CATEGORIES


class IssueCodeForm(FlaskForm):
    """领取信用码: only the CSRF token; issuing is idempotent."""


class DeclarationForm(FlaskForm):
    category = SelectField(
        "申报类别", choices=list(DECLARATION_CATEGORIES), validators=[DataRequired()]
    )
    title = StringField(
        "标题", validators=[DataRequired("请填写标题"), Length(max=100, message="标题不超过100字")]
    )
    content = TextAreaField(
        "申报内容",
        validators=[DataRequired("请填写申报内容"), Length(max=2000, message="内容不超过2000字")],
    )
    contact_name = StringField(
        "联系人", validators=[DataRequired("请填写联系人"), Length(max=64)]
    )
    contact_phone = StringField(
        "联系电话（仅供工作人员核实，不公开）",
        validators=[
            DataRequired("请填写联系电话"),
            Regexp(r"^[0-9+\- ]{7,20}$", message="请填写有效的电话号码"),
        ],
    )
