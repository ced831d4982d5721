"""Fixtures for the report tests: the converted font made once per session, PDF tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from webapp.services.reports import fonts


@pytest.fixture(scope="session")
def converted_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The OTF -> TTF conversion takes seconds: do it once, share it with every test app."""
    return fonts.convert(tmp_path_factory.mktemp("fonts") / fonts.CACHE_NAME)


@pytest.fixture
def app_config(app_config: dict[str, Any], converted_font: Path) -> dict[str, Any]:
    font_dir = Path(app_config["INSTANCE_DIR"]) / "fonts"
    font_dir.mkdir(parents=True, exist_ok=True)
    (font_dir / fonts.CACHE_NAME).symlink_to(converted_font)
    return app_config


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (apt-get install poppler-utils; `make sysdeps`)")
    return path


@pytest.fixture
def pdftotext(tmp_path: Path) -> Callable[[bytes], str]:
    tool = _need("pdftotext")

    def extract(pdf: bytes) -> str:
        source = tmp_path / "extract.pdf"
        source.write_bytes(pdf)
        out = subprocess.run([tool, "-enc", "UTF-8", str(source), "-"], check=True,
                             capture_output=True)
        return out.stdout.decode()

    return extract


@pytest.fixture
def no_cjk_fonts_env(tmp_path: Path) -> dict[str, str]:
    """An environment whose fontconfig knows no fonts at all (so none with Chinese glyphs)."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')
    return {**os.environ, "FONTCONFIG_FILE": str(config)}

