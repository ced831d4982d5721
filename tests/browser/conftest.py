"""Browser suite fixtures: one live site (gunicorn, demo data) and one Chromium per session.

`site` is the served site and a way to read its database; `browser` is Debian's Chromium
driven by Playwright; `visitor` is a fresh browser context at each of the three viewports
(phone 390x844, desktop 1366x768, kiosk 1080x1920), `new_visitor(viewport, name)` opens
another one (a second browser, as a person on another device would).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    Site,
    Viewport,
    Visitor,
    missing_tools,
)
from live_server import PROJECT, RELAXED_LIMITS, free_port, gunicorn, site_env

from webapp import create_app

DEMO_ENTITIES = 150  # enough for every status, list and record kind; setup takes a few seconds
DEMO_SEED = 20261123
_SKIP = missing_tools()

if os.environ.get("TEST_DATABASE_URL"):
    # The served site keeps its own SQLite file; a second pass would test the same thing.
    _SKIP = _SKIP or "browser suite runs once, in the SQLite pass of make test"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if _SKIP:
        here = Path(__file__).parent
        for item in items:
            if here in Path(item.path).parents:
                item.add_marker(pytest.mark.skip(reason=_SKIP))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("browser-site")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = site_env(
        tmp,
        PUBLIC_BASE_URL=base,
        # One person walks many pages quickly (and a fast machine walks them within one
        # minute): every named limit is lifted here; the limits are tested elsewhere.
        **RELAXED_LIMITS,
        PETITION_CAPTCHA_AFTER="100000",
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "setup-site",
         "--entities", str(DEMO_ENTITIES), "--seed", str(DEMO_SEED)],
        cwd=PROJECT, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    app = create_app({key: env[key] for key in
                      ("INSTANCE_DIR", "DATABASE_URL", "SEARCH_INDEX_DIR", "PUBLIC_BASE_URL")})
    with gunicorn(env, workers=2, port=port) as served:
        yield Site(served, app, tmp)


# Module scope: while Playwright's sync API is open an asyncio loop counts as running, and
# pyhanko (report signing) calls asyncio.run(): the tests after the browser walks need it
# closed. (Package scope lasts the session for a folder without __init__.py.)
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_visitor(browser: Any, site: Site, request: pytest.FixtureRequest
                ) -> Iterator[Callable[..., Visitor]]:
    """new_visitor(viewport, name=None, javascript=True) → a Visitor in a fresh context."""
    contexts: list[Any] = []

    def open_visitor(viewport: Viewport, name: str | None = None,
                     javascript: bool = True) -> Visitor:
        context = browser.new_context(**viewport.context_options(),
                                      java_script_enabled=javascript, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        label = name or request.node.name.split("[")[0]
        return Visitor(context.new_page(), viewport, site.base_url, label, open_visitor)

    yield open_visitor
    for context in contexts:
        context.close()


@pytest.fixture(params=VIEWPORTS, ids=[v.name for v in VIEWPORTS])
def viewport(request: pytest.FixtureRequest) -> Viewport:
    return request.param


@pytest.fixture
def visitor(new_visitor: Callable[..., Visitor], viewport: Viewport) -> Visitor:
    return new_visitor(viewport)
