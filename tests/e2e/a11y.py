"""Accessibility checks with axe-core, injected into the page under test.

axe-core comes from the npm registry through package.json / package-lock.json (``npm ci``, run
by ``scripts/dev test``). Without it the browser tests that check accessibility skip with a
one-line reason; under CI=true they fail instead (see ``unavailable``).

The rule set is WCAG 2.1 levels A and AA (what GB/T 37668 asks of public-service sites, and a
little more), plus two rules outside those tags that the site keeps to: every page has a
level-one heading (``page-has-heading-one``) and every target is at least 24×24 CSS px or spaced
as far apart (``target-size``, WCAG 2.2's 2.5.8). No rule is switched off."""
from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import ROOT, unavailable

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EXTRA_RULES = ["page-has-heading-one", "target-size"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "rules": {rule: {"enabled": True} for rule in EXTRA_RULES},
    "resultTypes": ["violations"],
}


def axe_script() -> Path:
    if not AXE_JS.exists():
        unavailable("axe-core is not installed", "npm ci (package-lock.json), or scripts/dev test")
    return AXE_JS


def _axe_source() -> str:
    global _AXE
    if _AXE is None:
        _AXE = axe_script().read_text(encoding="utf-8")
    return _AXE


_AXE: str | None = None


def axe_violations(page, within: str | None = None) -> list[dict]:
    """axe.run on the document as it is now (or on the elements ``within`` selects); the
    violations, as axe reports them."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluated through the DevTools protocol, which the page's Content-Security-Policy does
        # not govern (a <script> tag with axe inline would be refused, as it should be)
        page.evaluate(_axe_source() + "\n;void 0")
    return page.evaluate("([context, options]) => axe.run(context, options).then(r => r.violations)",
                         [within or "html", AXE_OPTIONS])


def describe(violations: list[dict], where: str) -> str:
    lines = [f"{sum(len(v['nodes']) for v in violations)} accessibility violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:6]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary[:300]}")
        if len(v["nodes"]) > 6:
            lines.append(f"    … and {len(v['nodes']) - 6} more")
    return "\n".join(lines)


def assert_accessible(page, state: str = "", within: str | None = None) -> None:
    """No WCAG 2.1 A/AA violation (nor a missing h1 or a small target) on the page as shown.
    The failure lists each rule id, impact, help URL and the offending elements' selectors.
    ``within`` checks one part only: a widget in a passing state (an open list covers part of
    the page under it; the page itself is checked in its resting state)."""
    violations = axe_violations(page, within)
    viewport = page.viewport_size or {}
    where = f"{within + ' on ' if within else ''}{page.url} ({viewport.get('width')}×{viewport.get('height')}{', ' + state if state else ''})"
    assert not violations, describe(violations, where)
