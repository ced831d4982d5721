"""Forms of the reports feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import StringField
from wtforms.validators import DataRequired, Length

MAX_UPLOAD = 20 * 1024 * 1024


class VerifyForm(FlaskForm):
    no = StringField("报告编号", validators=[DataRequired("请输入报告编号"), Length(max=64)])
    pdf = FileField("报告文件（可选，PDF）", validators=[
        FileSize(MAX_UPLOAD, message="文件不能超过 20 MB"),
    ])
