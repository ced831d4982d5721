"""CLI: `flask --app wsgi users create|disable|list` (back office accounts)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.extensions import db
from webapp.models.staff import ROLE_LABELS, Role, StaffUser
from webapp.services.audit import audit
from webapp.services.petitions import department_by_name
from webapp.services.staff import create_user, disable_user

users_cli = AppGroup("users", help="后台账号管理 (back office staff accounts).")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]),
              help="admin | reviewer | data_officer")
@click.option("--department", "department_name", default=None,
              help="所属部门全称 (required for reviewer and data_officer).")
@click.option("--display-name", default=None, help="显示姓名")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin (for scripts).")
def users_create(username: str, role: str, department_name: str | None,
                 display_name: str | None, password_stdin: bool) -> None:
    """Create a staff account; the password is prompted twice unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    department_id = None
    if department_name:
        department_id = department_by_name(db.session, department_name.strip()).id
    try:
        user = create_user(db.session, username, password, Role(role),
                           department_id=department_id, display_name=display_name)
    except ValueError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    audit(db.session, None, "staff.create", f"staff:{user.id}",
          after={"username": user.username, "role": user.role, "department": department_name})
    db.session.commit()
    click.echo(f"created {user.username} ({ROLE_LABELS[Role(user.role)]}"
               f"{'，' + department_name if department_name else ''})")


@users_cli.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable an account: it can no longer log in."""
    try:
        user = disable_user(db.session, username)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    audit(db.session, None, "staff.disable", f"staff:{user.id}", before={"enabled": True},
          after={"enabled": False})
    db.session.commit()
    click.echo(f"disabled {username}")


@users_cli.command("list")
def users_list() -> None:
    """Accounts with role, department and state."""
    for user in db.session.scalars(select(StaffUser).order_by(StaffUser.username)):
        state = "enabled" if user.is_enabled else "disabled"
        department = user.department.name if user.department else "-"
        click.echo(f"{user.username}\t{user.role}\t{department}\t{state}\t{user.display_name}")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
