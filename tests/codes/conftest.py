"""Fixtures for the credit-code tests: a key store in the test's instance dir, issued codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from webapp.models import Subject
from webapp.models.codes import CreditCode
from webapp.services import codes as code_service
from webapp.services.codes.keys import KeyStore


@pytest.fixture
def store(app: Flask) -> KeyStore:
    """The app's key store with one active key."""
    key_store = code_service.key_store()
    key_store.ensure()
    return key_store


@pytest.fixture
def issue(db_session: Session, store: KeyStore) -> Callable[[Subject], CreditCode]:
    def factory(subject: Subject) -> CreditCode:
        code = code_service.issue_code(db_session, subject, store)
        db_session.commit()
        return code

    return factory
