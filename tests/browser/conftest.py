"""Browser tests: real Chromium (Debian's, never downloaded) driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in this thread, so Django's async-safety check is switched off for these
tests. A failing test leaves a full-page screenshot in ``test-output/<test name>.png``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser tab (own cookies); screenshot on failure."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        OUTPUT.mkdir(exist_ok=True)
        tab.screenshot(path=str(OUTPUT / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: Any, base_url: str, username: str, password: str = "pw") -> None:
    """Sign in through the login form; it lands on the dashboard (``/``)."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def assert_accessible(page: Any) -> None:
    """Run axe-core on the current page; no "serious" or "critical" violation is allowed."""
    # Evaluated through the DevTools protocol, not added as a <script> tag: the pages' Content Security Policy
    # refuses inline scripts, and the browser tests keep that policy on.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)


def choose(page: Any, selector: str, text: str, expected_option: str) -> None:
    """Type ``text`` into the type-ahead lookup ``selector`` (issue #15) and take the suggestion showing
    ``expected_option`` with the keyboard (ArrowDown to it, Enter), as a user does; the list then closes."""
    page.focus(selector)
    page.fill(selector, "")
    page.keyboard.type(text)
    listbox = page.locator(f"{selector}-list")
    option = listbox.locator("[role=option]", has_text=expected_option).first
    option.wait_for()
    for _ in range(listbox.locator("[role=option]").count()):
        page.keyboard.press("ArrowDown")
        active = page.get_attribute(selector, "aria-activedescendant")
        if active and expected_option in page.inner_text(f"#{active}"):
            break
    else:
        raise AssertionError(f"{expected_option} not offered by the lookup {selector} for {text!r}")
    page.keyboard.press("Enter")
    assert page.get_attribute(selector, "aria-expanded") == "false"
    assert listbox.is_hidden()
