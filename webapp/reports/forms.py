"""Forms of the reports feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import StringField
from wtforms.validators import Length, Optional

MAX_UPLOAD = 20 * 1024 * 1024


class VerifyForm(FlaskForm):
    """Either is enough: a file carries its own number."""

    no = StringField("报告编号", validators=[Optional(), Length(max=64)])
    pdf = FileField("报告文件（PDF）", validators=[
        FileSize(MAX_UPLOAD, message="文件不能超过 20 MB"),
    ])
