"""CLI: `flask --app wsgi keys generate|ensure|rotate|retire|list` and
`flask --app wsgi codes issue|withdraw|reissue`.

Key commands print kids and states only, never key material.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Subject
from webapp.models.codes import WithdrawalCategory
from webapp.services import codes as code_service
from webapp.services.codes.keys import KeyStoreError

keys_cli = AppGroup("keys", help="信用码签名密钥 (credit-code signing keys).")
codes_cli = AppGroup("codes", help="信用码签发、收回与换发 (issue, withdraw, reissue codes).")


def _fail(error: Exception) -> None:
    raise click.ClickException(str(error)) from error


@keys_cli.command("generate")
def keys_generate() -> None:
    """Create the first active key (refuses if one exists: use rotate)."""
    try:
        info = code_service.key_store().generate()
    except KeyStoreError as error:
        _fail(error)
    click.echo(f"created active key {info.kid}")


@keys_cli.command("ensure")
def keys_ensure() -> None:
    """Create an active key only if there is none (idempotent: for make run)."""
    info, created = code_service.key_store().ensure()
    click.echo(f"{'created' if created else 'kept'} active key {info.kid}")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """New active key; the previous one keeps verifying its codes until retired."""
    info, previous = code_service.key_store().rotate()
    click.echo(f"created active key {info.kid}")
    if previous is not None:
        click.echo(f"key {previous.kid} is now retiring (verify-only)")


@keys_cli.command("retire")
@click.argument("kid")
def keys_retire(kid: str) -> None:
    """Stop accepting codes signed with KID and delete its private key."""
    try:
        info = code_service.key_store().retire(kid)
    except KeyStoreError as error:
        _fail(error)
    click.echo(f"key {info.kid} retired: codes signed with it no longer verify")


@keys_cli.command("list")
def keys_list() -> None:
    """Every key with its state."""
    for info in code_service.key_store().all_keys():
        click.echo(f"{info.kid}\t{info.state.value}\tcreated {info.created_at}")


def _subject(ref: str) -> Subject:
    """A subject by USCC or by numeric id."""
    value = ref.strip().upper()
    query = select(Subject).where(Subject.uscc == value)
    if value.isdigit() and len(value) < 18:
        query = select(Subject).where(Subject.id == int(value))
    subject = db.session.scalar(query)
    if subject is None:
        raise click.ClickException(f"subject {ref} not found")
    return subject


@codes_cli.command("issue")
@click.argument("subject")
def codes_issue(subject: str) -> None:
    """Issue (or show) the code of SUBJECT (USCC or id)."""
    target = _subject(subject)
    try:
        code = code_service.issue_code(db.session, target, code_service.key_store(),
                                       base_url=current_app.config["PUBLIC_BASE_URL"],
                                       by_staff=True)
    except code_service.CodeError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{code.serial}\t{code.token}")


@codes_cli.command("withdraw")
@click.argument("subject")
@click.option("--reason", required=True, help="internal note, never published")
@click.option(
    "--category",
    type=click.Choice([c.value for c in WithdrawalCategory]),
    default=WithdrawalCategory.OTHER.value,
    show_default=True,
    help="published on the revocation list",
)
@click.option("--actor", default="cli", show_default=True)
def codes_withdraw(subject: str, reason: str, category: str, actor: str) -> None:
    """Withdraw SUBJECT's active code; its serial is published as revoked."""
    target = _subject(subject)
    code = code_service.withdraw_subject_code(
        db.session, target.id, category=WithdrawalCategory(category), reason=reason, actor=actor
    )
    if code is None:
        raise click.ClickException("subject has no active code")
    db.session.commit()
    click.echo(f"withdrawn {code.serial}")


@codes_cli.command("reissue")
@click.argument("subject")
@click.option("--reason", required=True, help="internal note, never published")
@click.option("--actor", default="cli", show_default=True)
def codes_reissue(subject: str, reason: str, actor: str) -> None:
    """Withdraw SUBJECT's code and issue a new one."""
    target = _subject(subject)
    try:
        code = code_service.reissue_code(
            db.session, target, code_service.key_store(), reason=reason, actor=actor,
            base_url=current_app.config["PUBLIC_BASE_URL"],
        )
    except code_service.CodeError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{code.serial}\t{code.token}")


def register(app: Flask) -> None:
    app.cli.add_command(keys_cli)
    app.cli.add_command(codes_cli)
