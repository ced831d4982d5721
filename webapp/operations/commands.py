"""`flask setup-site`: what `make run` needs before serving, keeping whatever already exists."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Subject


def _invoke(ctx: click.Context, *path: str, **params: object) -> None:
    """Run another registered command (a feature's CLI) by name."""
    command: click.Command | None = current_app.cli
    for name in path:
        command = command.get_command(ctx, name) if isinstance(command, click.Group) else None
    if command is None:
        raise click.ClickException(f"command {' '.join(path)} is not available")
    ctx.invoke(command, **params)


def register(app: Flask) -> None:
    @app.cli.command("setup-site")
    @click.option("--entities", default=3000, show_default=True, help="demo subjects to create")
    @click.option("--seed", default=20261123, show_default=True, help="demo data seed")
    @click.pass_context
    def setup_site(ctx: click.Context, entities: int, seed: int) -> None:
        """Create the signing key, report font, demo data and search index where missing."""
        _invoke(ctx, "keys", "ensure")
        _invoke(ctx, "reports", "prepare-font")  # once, so no visitor waits for the conversion
        subjects = db.session.scalar(select(func.count()).select_from(Subject))
        if subjects:
            click.echo(f"database has {subjects} subjects: demo data left as it is")
        else:
            _invoke(ctx, "demo-data", entities=entities, seed=seed)
        index_dir = Path(current_app.config["SEARCH_INDEX_DIR"])
        if index_dir.exists() and any(index_dir.iterdir()):
            click.echo(f"search index present at {index_dir}: catching up with the change log")
            _invoke(ctx, "search-sync")
        else:
            _invoke(ctx, "reindex")
