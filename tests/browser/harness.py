"""What a person's browser shows, checked on every step of a walk.

`Visitor` wraps a Playwright page: `visit(path, step)` and `check(step)` take a screenshot,
run axe-core (0 critical, 0 serious), measure horizontal overflow (0) and, on the phone,
the tap targets (44 x 44 CSS px at least). All problems of one page are reported together.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", HERE / "screenshots"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
MIN_TARGET = 44  # CSS px: WCAG 2.5.5 and the GOV.UK / Apple / Material guidance


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    touch: bool
    mobile: bool
    check_targets: bool

    def context_options(self) -> dict[str, Any]:
        return {
            "viewport": {"width": self.width, "height": self.height},
            "has_touch": self.touch,
            "is_mobile": self.mobile,
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
        }


PHONE = Viewport("phone", 390, 844, touch=True, mobile=True, check_targets=True)
DESKTOP = Viewport("desktop", 1366, 768, touch=False, mobile=False, check_targets=False)
KIOSK = Viewport("kiosk", 1080, 1920, touch=True, mobile=False, check_targets=True)
VIEWPORTS = (PHONE, DESKTOP, KIOSK)

# Every interactive element a finger may aim at. A checkbox or radio counts by its label.
_TARGETS_JS = """(min) => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  const small = [];
  for (const el of document.querySelectorAll(sel)) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      const byFor = el.id && document.querySelector(`label[for="${el.id}"]`);
      target = el.closest('label') || byFor || el;
    }
    const style = getComputedStyle(target);
    const r = target.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0) continue;  // off-screen
    if (el.closest('[aria-hidden=true], .visually-hidden, .trap')) continue;
    // WCAG's inline exception: a link inside a sentence is sized by the line of text.
    if (el.tagName === 'A' && style.display === 'inline' && el.parentElement) {
      const around = el.parentElement.textContent.replace(/\\s+/g, '');
      if (around.length > el.textContent.replace(/\\s+/g, '').length + 4) continue;
    }
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const text = (el.textContent || el.getAttribute('aria-label') || el.name || '').trim();
      const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
      small.push(`<${el.tagName.toLowerCase()}> "${text.slice(0, 30)}" ${size}`);
    }
  }
  return small;
}"""

# The page is wider than the screen, and which elements stick out (outside a scroll box).
_OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const out = [];
  if (doc.scrollWidth > width) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && r.width > 0) {
        let p = el.parentElement, scrolled = false;
        while (p && p !== document.body) {
          const clips = ['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX);
          if (clips) { scrolled = true; break; }
          p = p.parentElement;
        }
        const tag = `<${el.tagName.toLowerCase()} class="${el.className}">`;
        if (!scrolled) out.push(`${tag} right=${Math.round(r.right)}`);
      }
    }
  }
  return {overflow: doc.scrollWidth - width, elements: out.slice(0, 8)};
}"""

_AXE_RUN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => `${v.impact} ${v.id}: ${v.help} — ` +
         v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | '));
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")[:80] or "step"


@dataclass
class Site:
    """The served site, and a Flask app on its database to read what a walk looks up."""

    base_url: str
    app: Any
    instance: Path

    def query(self, fn: Callable[[], Any]) -> Any:
        with self.app.app_context():
            return fn()


@dataclass
class Visitor:
    """A person at one viewport: walks pages, every step checked and photographed."""

    page: Any
    viewport: Viewport
    base_url: str
    name: str
    spawn: Callable[..., Visitor] | None = None  # opens another browser context
    steps: int = 0

    def new_context(self, name: str, javascript: bool = True) -> Visitor:
        """Another browser at the same viewport (another app, another person's phone)."""
        assert self.spawn is not None
        return self.spawn(self.viewport, name, javascript)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def visit(self, path: str, step: str | None = None, *, status: int = 200) -> Any:
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, (
            f"{path}: HTTP {response.status if response else None}, expected {status}")
        self.check(step or path)
        return response

    def check(self, step: str) -> None:
        """Screenshot, then axe, overflow and tap targets; raise listing every problem."""
        self.page.wait_for_load_state("load")
        self.screenshot(step)
        problems = [f"axe {line}" for line in self.axe()]
        overflow = self.page.evaluate(_OVERFLOW_JS)
        if overflow["overflow"] > 0:
            problems.append(f"horizontal overflow {overflow['overflow']}px: "
                            + "; ".join(overflow["elements"]))
        if self.viewport.check_targets:
            problems += [f"small tap target {t}" for t in self.small_targets()]
        if problems:
            where = f"[{self.viewport.name}] step {self.steps:02d} {step} ({self.page.url})"
            raise AssertionError(where + "\n  " + "\n  ".join(problems))

    def screenshot(self, step: str) -> Path:
        self.steps += 1
        path = SCREENSHOTS / self.viewport.name / self.name / f"{self.steps:02d}-{_slug(step)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self) -> list[str]:
        if not self.page.evaluate("() => typeof axe !== 'undefined'"):
            # evaluate() runs outside the page's CSP, so the site's policy stays as served.
            self.page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;0")
        return list(self.page.evaluate(_AXE_RUN_JS))

    def small_targets(self) -> list[str]:
        return list(self.page.evaluate(_TARGETS_JS, MIN_TARGET))

    def text(self, selector: str = "main") -> str:
        return str(self.page.inner_text(selector))


def missing_tools() -> str | None:
    """Why the browser suite cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (make install adds the dev extras)"
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (make sysdeps installs Debian's chromium)"
    if not AXE_JS.exists():
        return f"axe-core not found at {AXE_JS} (make test runs npm ci in tests/browser)"
    return None
