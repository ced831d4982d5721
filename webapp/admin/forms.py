"""Back office forms (Flask-WTF, CSRF on)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[
        DataRequired("请填写用户名。"), Length(max=64, message="用户名不超过 64 个字符。")])
    password = PasswordField("密码", validators=[
        DataRequired("请填写密码。"), Length(max=256, message="密码过长。")])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only a CSRF token: logging out is a POST, so a link on another site cannot do it."""
