"""An axe-core audit (WCAG 2.0 and 2.1, levels A and AA) of every page of the built site.

axe-core comes inside the ``axe-playwright-python`` wheel (``axe.min.js``), so the audit fetches
nothing. Every HTML page of the site is opened from ``file://`` in headless Chromium, with every
non-local request blocked as in ``test_site_browser.py``, and audited after MathJax has typeset it:

- in the light colour mode with every rule of those WCAG levels;
- then, in the same page, in the dark colour mode with the rules about colour (axe's
  ``cat.color``: text contrast, and links told apart from text). The theme follows
  ``prefers-color-scheme`` (``default_mode: auto`` in ``_config.yml``) and listens for its
  changes, so the page switches when the browser's scheme does, as it does for a reader who
  switches their system to dark; loading and typesetting each page once halves the audit's time.
  The other rules read the page's structure, names and roles, which the colour mode does not
  change (the theme only swaps colours): running them again would find nothing new.

Any violation fails the test and is reported by rule, page, mode and element. ``audit_site(site,
browser, pages=None)`` takes any built site (and optionally some of its pages), so the student and
instructor editions are audited by calling it on their folders. Run as a script,
``python tests/test_accessibility.py SITE`` prints the report for any built site.
"""
from pathlib import Path

import pytest

from test_site_browser import browser, html_pages, new_context  # noqa: F401  (browser is a fixture)

#: The axe-core tags of WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Waits for MathJax (its output is part of what axe checks), for the theme to follow a change of
# the colour scheme (it does so in a media-query listener, up to a second), and for the colour
# transitions it then starts (mid-way, a button's text is briefly too faint); then says which mode
# the theme applied.
SETTLE_JS = """
async (mode) => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const html = document.documentElement;
  for (let i = 0; i < 60 && html.dataset.theme && html.dataset.theme !== mode; i++)
    await new Promise(r => requestAnimationFrame(r));
  const ending = document.getAnimations().filter(a => isFinite(a.effect.getComputedTiming().endTime));
  await Promise.all(ending.map(a => a.finished.catch(() => null)));
  return document.documentElement.dataset.theme || null;
}
"""

# Runs axe-core's rules of the WCAG tags, all of them or only those about colour. As with
# runOnly: tags, the rules axe marks experimental are left out.
RUN_JS = """
async ([tags, colourOnly]) => {
  const rules = axe.getRules(tags).filter(r => !r.tags.includes('experimental') &&
                                               (!colourOnly || r.tags.includes('cat.color'))).map(r => r.ruleId);
  const results = await axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']});
  return {rules: rules.length, violations: results.violations.map(v => ({
    id: v.id, impact: v.impact,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: (n.failureSummary || '').slice(0, 300)}))}))};
}
"""


MODES = ("light", "dark")


def _audit_mode(page, mode):
    """axe's violations in the open ``page`` in colour ``mode``: a list of ``(rule, impact, element, summary)``."""
    page.emulate_media(color_scheme=mode)
    applied = page.evaluate(SETTLE_JS, mode)
    results = page.evaluate(RUN_JS, [WCAG_TAGS, mode == "dark"])
    assert results["rules"] >= (2 if mode == "dark" else 50), f"axe-core ran only {results['rules']} rules"
    if applied not in (None, mode):
        return [("colour-mode", "setup", "html", f"asked for {mode}, the theme applied {applied}")]
    return [(v["id"], v["impact"], n["target"], n["summary"]) for v in results["violations"] for n in v["nodes"]]


def audit_page(browser, path, modes=MODES):
    """axe's violations on one page in each colour mode of ``modes``: ``{mode: violations}``."""
    from axe_playwright_python.base import AXE_SCRIPT

    context = new_context(browser, {"requests": [], "console": []})
    try:
        page = context.new_page()
        page.emulate_media(color_scheme=modes[0])
        page.goto(path.as_uri(), wait_until="load")
        if 'http-equiv="refresh"' in path.read_text(encoding="utf-8").lower():  # index.html: to the root page
            page.wait_for_url(lambda url: url != path.as_uri())
            page.wait_for_load_state("load")
        page.evaluate(AXE_SCRIPT)
        return {mode: _audit_mode(page, mode) for mode in modes}
    finally:
        context.close()


def audit_site(site, browser, pages=None):
    """Every page of ``site`` (or those of ``pages``, paths relative to it) in both colour modes.

    Returns ``{(page, mode): violations}`` for the pages with any.
    """
    found = {}
    for path in html_pages(site) if pages is None else [Path(site) / page for page in pages]:
        for mode, violations in audit_page(browser, path).items():
            if violations:
                found[(path.relative_to(site).as_posix(), mode)] = violations
    return found


def describe(found):
    """The violations counted by rule, then each with its page, mode and element."""
    by_rule = {}
    for violations in found.values():
        for rule, impact, *_ in violations:
            by_rule[(rule, impact)] = by_rule.get((rule, impact), 0) + 1
    lines = [f"{count} x {rule} ({impact})" for (rule, impact), count in sorted(by_rule.items())]
    for (page, mode), violations in sorted(found.items()):
        lines += [f"{page} [{mode}] {rule}: {target}: {summary}" for rule, _, target, summary in violations]
    return "\n".join(lines)


def test_axe_finds_no_wcag_violation(site, browser):
    found = audit_site(site, browser)
    assert not found, "axe-core (WCAG 2 A/AA) violations:\n" + describe(found)


def test_axe_finds_no_wcag_violation_in_the_other_sites(site_ko, editions, browser):
    """The Korean site and the two editions share the English site's theme, CSS and markup, so a
    full audit of each would mostly repeat the one above (over three minutes each on 2 cores):
    audit the longest chapter of each (every kind of box, figure and slider) and the instructor
    guide's first chapter page, in both colour modes."""
    instructor = editions["instructor"]["html"]
    sites = {site_ko: ["chapters/05_gumbel_softmax.html"],
             editions["student"]["html"]: ["chapters/05_gumbel_softmax.html"],
             instructor: ["instructor/05_gumbel_softmax.html"]}
    found = {}
    for root, pages in sites.items():
        found |= {(f"{root.relative_to(root.parents[1])}/{page}", mode): v
                  for (page, mode), v in audit_site(root, browser, pages=pages).items()}
    assert not found, "axe-core (WCAG 2 A/AA) violations:\n" + describe(found)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_audit_sees_violations(tmp_path, browser, mode):
    """The audit is live in both modes: grey text on white fails; so do a nameless image and button in light."""
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><html lang='en'><meta charset='utf-8'><title>bad</title><body><main>"
                    "<p style='color:#bbb;background:#fff'>faint text</p><img src='x.png'><button></button>"
                    "</main></body></html>", encoding="utf-8")
    rules = {rule for rule, *_ in audit_page(browser, page, modes=(mode,))[mode]}
    expected = {"color-contrast"} | ({"image-alt", "button-name"} if mode == "light" else set())
    assert rules == expected, rules


if __name__ == "__main__":
    import sys

    from playwright.sync_api import sync_playwright

    from test_site_browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        print(describe(audit_site(Path(sys.argv[1]).resolve(), chromium)) or "no violation")
        chromium.close()
