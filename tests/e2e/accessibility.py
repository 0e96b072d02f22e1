"""The automated accessibility check of the browser tests: axe-core (vendored under
tests/e2e/vendor/axe-core, never served to users) run in the page as it is displayed.

Only serious and critical violations fail a test; each is reported with its rule, its help
text and the first elements concerned, so that a failure says what to fix."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
ARTEFACTS = Path(
    os.environ.get("TEST_ARTEFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artefacts")
)


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """The serious and critical violations axe-core finds in the current page (WCAG 2.1 A
    and AA rules, and its best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a Content-Security-Policy does not apply.
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async (TAGS) => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: TAGS},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
            }));
        }""",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    )
    return [v for v in result if v["impact"] in FAILING_IMPACTS]


def assert_accessible(page, name: str) -> None:
    """Fail with the list of serious or critical violations of the current page."""
    violations = axe_violations(page)
    assert not violations, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} → {', '.join(v['nodes'])}" for v in violations
    )


def screenshot(page, name: str) -> Path:
    """Keep a full-page screenshot of the current page as a test artefact."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
