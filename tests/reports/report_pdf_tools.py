"""Helpers for reading generated PDFs in the report tests."""

from __future__ import annotations


def squash(text: str) -> str:
    """pdftotext inserts or drops spaces between CJK characters: compare without them."""
    return "".join(text.split())
