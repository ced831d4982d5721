"""Kiosk test helpers: a registered machine is a test client holding the device cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from webapp.kiosk.device import DEVICE_COOKIE
from webapp.services import kiosks


@pytest.fixture
def kiosk_client(app: Flask, db_session: Session) -> Callable[..., FlaskClient]:
    """kiosk_client(name, **fields) → a client enrolled as a newly registered kiosk."""

    def factory(name: str = "一号机", **fields: Any) -> FlaskClient:
        kiosk = kiosks.register_kiosk(db_session, name, "政务服务大厅", **fields)
        secret = kiosks.enrol(db_session, kiosk)
        db_session.commit()
        client = app.test_client()
        client.set_cookie(DEVICE_COOKIE, secret)
        client.kiosk_id = kiosk.id  # type: ignore[attr-defined]
        return client

    return factory
