"""/admin/users: administrators manage staff accounts (create, role and department, disable
and enable, unlock, reset password), each step audited; everyone changes their own password
at /admin/password (required after a temporary one)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from webapp.admin import bp
from webapp.admin.access import current_staff, staff_required
from webapp.extensions import db
from webapp.models.catalog import Department
from webapp.models.staff import ROLE_LABELS, Role, StaffUser
from webapp.services import staff as accounts
from webapp.services.audit import audit


class UserForm(FlaskForm):
    display_name = StringField("姓名", validators=[Optional(), Length(max=64)])
    role = SelectField("角色", choices=[SelectChoice("", "请选择角色")] + [
        SelectChoice(r.value, ROLE_LABELS[r]) for r in Role],
        validators=[DataRequired("请选择角色。")])
    department = SelectField("所属部门（系统管理员可不选）", coerce=int, default=0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.department.choices = [SelectChoice(0, "不指定")] + [  # type: ignore[list-item]
            SelectChoice(d.id, d.name)  # type: ignore[arg-type]
            for d in db.session.scalars(select(Department).order_by(Department.name))]


class CreateUserForm(UserForm):
    username = StringField("用户名（登录名）", validators=[
        DataRequired("请填写用户名。"), Length(max=64)])


class ConfirmForm(FlaskForm):
    confirm = BooleanField("我确认", validators=[DataRequired("请勾选确认后再提交。")])


class TokenForm(FlaskForm):
    """Only a CSRF token."""


class PasswordForm(FlaskForm):
    current = PasswordField("当前密码（或管理员给的临时密码）", validators=[
        DataRequired("请填写当前密码。"), Length(max=256)])
    new = PasswordField("新密码（至少 10 位）", validators=[
        DataRequired("请填写新密码。"), Length(max=256)])
    again = PasswordField("再次输入新密码", validators=[
        DataRequired("请再次输入新密码。"), EqualTo("new", "两次输入的新密码不一致。")])


def _state(user: StaffUser) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "department": user.department.name if user.department else None,
            "enabled": user.is_enabled}


def _user_or_404(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


def _department_id(value: int | None) -> int | None:
    return value if value and db.session.get(Department, value) is not None else None


@bp.route("/users", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def users() -> Any:
    form = CreateUserForm()
    temporary = None
    if form.validate_on_submit():
        temporary = accounts.temporary_password()
        try:
            user = accounts.create_user(
                db.session, form.username.data.strip(), temporary, Role(form.role.data),
                department_id=_department_id(form.department.data),
                display_name=(form.display_name.data or "").strip() or None)
        except ValueError as error:
            db.session.rollback()
            form.username.errors.append(str(error))
            temporary = None
        else:
            user.must_change_password = True
            audit(db.session, current_staff(), "staff.create", f"staff:{user.id}",
                  after=_state(user), ip=request.remote_addr)
            db.session.commit()
            flash(f"已创建账号 {user.username}。请把临时密码当面交给本人，首次登录须修改。",
                  "info")
            return _show(user, temporary)
    listing = list(db.session.scalars(select(StaffUser).order_by(StaffUser.username)))
    return render_template("admin/users.html", form=form, users=listing,
                           is_locked=accounts.is_locked), 400 if form.errors else 200


def _show(user: StaffUser, temporary: str | None = None) -> Any:
    form = UserForm(formdata=None, obj=None)
    form.role.data = user.role
    form.department.data = user.department_id or 0
    form.display_name.data = user.display_name
    return render_template(
        "admin/user.html", user=user, form=form, temporary=temporary,
        confirm_form=ConfirmForm(formdata=None), token_form=TokenForm(formdata=None),
        locked=accounts.is_locked(user), is_self=user.id == current_staff().id)


@bp.get("/users/<int:user_id>")
@staff_required(Role.ADMIN)
def user_detail(user_id: int) -> Any:
    return _show(_user_or_404(user_id))


def _done(user: StaffUser, message: str) -> Any:
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("admin.user_detail", user_id=user.id), code=303)


def _refuse(user: StaffUser, message: str) -> Any:
    db.session.rollback()
    flash(message, "error")
    return redirect(url_for("admin.user_detail", user_id=user.id), code=303)


@bp.post("/users/<int:user_id>/edit")
@staff_required(Role.ADMIN)
def user_edit(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = UserForm()
    if not form.validate_on_submit():
        return _refuse(user, "；".join(e for es in form.errors.values() for e in es))
    if user.id == current_staff().id and form.role.data != Role.ADMIN.value:
        return _refuse(user, "不能取消自己的系统管理员角色。")
    before = _state(user)
    try:
        accounts.update_user(db.session, user, Role(form.role.data),
                             _department_id(form.department.data), form.display_name.data or "")
    except ValueError as error:
        return _refuse(user, str(error))
    db.session.refresh(user, ["department"])
    audit(db.session, current_staff(), "staff.update", f"staff:{user.id}", before,
          _state(user), ip=request.remote_addr)
    return _done(user, "已保存。")


@bp.post("/users/<int:user_id>/<any(disable, enable, unlock, 'reset-password'):action>")
@staff_required(Role.ADMIN)
def user_action(user_id: int, action: str) -> Any:
    user = _user_or_404(user_id)
    needs_confirm = action in ("disable", "reset-password")
    form = ConfirmForm() if needs_confirm else TokenForm()
    if not form.validate_on_submit():
        if not needs_confirm or form.csrf_token.errors:
            abort(400)
        return _refuse(user, "请勾选确认后再提交。")
    staff = current_staff()
    if action == "disable":
        if user.id == staff.id:
            return _refuse(user, "不能停用自己的账号。")
        accounts.disable_user(db.session, user.username)
        audit(db.session, staff, "staff.disable", f"staff:{user.id}", {"enabled": True},
              {"enabled": False}, ip=request.remote_addr)
        return _done(user, f"账号 {user.username} 已停用，已登录的会话随即失效。")
    if action == "enable":
        user.is_enabled = True
        audit(db.session, staff, "staff.enable", f"staff:{user.id}", {"enabled": False},
              {"enabled": True}, ip=request.remote_addr)
        return _done(user, f"账号 {user.username} 已启用。")
    if action == "unlock":
        accounts.unlock_user(db.session, user)
        audit(db.session, staff, "staff.unlock", f"staff:{user.id}", ip=request.remote_addr)
        return _done(user, f"账号 {user.username} 已解锁，可以重新登录。")
    temporary = accounts.temporary_password()
    accounts.set_password(db.session, user, temporary, temporary=True)
    # The audit says that a reset happened, never the password itself.
    audit(db.session, staff, "staff.password_reset", f"staff:{user.id}",
          after={"must_change_password": True}, ip=request.remote_addr)
    db.session.commit()
    flash(f"已为 {user.username} 重置密码。临时密码只显示这一次，首次登录须修改。", "info")
    return _show(user, temporary)


@bp.route("/password", methods=["GET", "POST"])
@staff_required()
def change_password() -> Any:
    staff = current_staff()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(db.session, staff, form.current.data, form.new.data)
        except ValueError as error:
            db.session.rollback()
            form.new.errors.append(str(error))
        else:
            audit(db.session, staff, "staff.password_change", f"staff:{staff.id}",
                  ip=request.remote_addr)
            db.session.commit()
            # Every other session of the user has ended; this browser stays logged in.
            login_user(staff)
            flash("密码已修改。", "info")
            return redirect(url_for("admin.index"), code=303)
    return render_template("admin/password.html", form=form), 400 if form.errors else 200
