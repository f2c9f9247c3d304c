"""The dashboard in a real browser: headless Chromium (Debian's ``chromium``, driven by
Playwright for Python through its executable path; Playwright's own browsers are never
downloaded) against a running ``corral serve`` deploying to fleet hosts over SSH: an
operator logs in and plans, an approver approves, the run is watched to its end, a diff
is read. With ``CORRAL_SCREENSHOTS=DIR`` the pages are saved there (docs/images holds
those of docs/dashboard.md)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.testing.fleet import Fleet
from corral.testing.pytest_fleet import fleet_fixture

from .conftest import PASSWORD, Served, make_users, start_server, stop_server, write_project

pair = fleet_fixture(2, scope="module")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def fleet_served(pair: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("browser")
    data = dict(pair.inventory())
    names = [h.name for h in pair.hosts]
    inventory = (f"_data = {data!r}\n"
                 f"web = [(n, _data[n]) for n in {names!r}]\n")
    deploy = ("from corral.operations import files, server\n"
              "files.template(name='the motd', src='motd.j2', dest='/etc/motd',\n"
              "               greeting='deployed from the dashboard')\n"
              "server.shell(name='uptime', commands=['uptime'])\n")
    project = write_project(base / "site", inventory, deploy)
    (project / "motd.j2").write_text("{{ host.name }}: {{ greeting }}\n")
    server = start_server(project, base / "history.db")
    try:
        make_users(server)
        yield server
    finally:
        stop_server(server)


def shot(page: Any, name: str) -> None:
    directory = os.environ.get("CORRAL_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"dashboard-{name}.png"), full_page=True)


def log_in(page: Any, url: str, name: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/runs")


def log_out(page: Any) -> None:
    page.click("header form.logout button")
    page.wait_for_url("**/login")


@pytest.mark.integration
def test_plan_approve_watch_and_read_a_diff(browser: Any, fleet_served: Served,
                                            pair: Fleet) -> None:
    url = fleet_served.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(90_000)
    first = page.goto(url + "/runs")  # anonymous: to the login page
    assert first is not None and page.url == url + "/login"
    shot(page, "login")

    # the operator plans
    log_in(page, url, "operator")
    page.click("nav a[href='/requests']")
    page.select_option("select[name=inventory]", "inventory.py")
    page.select_option("select[name=deploy]", "deploy.py")
    page.click("form.new-request button[type=submit]")
    page.wait_for_selector("#state:text('planned')")
    assert "the motd" in page.inner_text("main")
    plan = page.inner_text("main")
    for host in pair.hosts:  # the plan's diff, per host
        assert f"+{host.name}: deployed from the dashboard" in plan
    shot(page, "plan")
    request_url = page.url
    assert page.query_selector("#approve") is None  # who asked cannot approve
    log_out(page)

    # the approver approves; the page follows the run live and shows the end
    log_in(page, url, "approver")
    page.goto(request_url)
    page.click("#approve")
    # the page follows the run by server-sent events and loads again at its end
    page.wait_for_selector("#state:text('done')")
    text = page.inner_text("main")
    assert "Approved by" in text and "Applied" in text
    assert page.inner_text("dl.summary").count("approver") == 1
    shot(page, "applied")

    # the runs page lists the apply and the plan; the apply's page shows the diff
    page.click("nav a[href='/runs']")
    rows = page.query_selector_all("table.runs tbody tr")
    assert len(rows) >= 2
    first = rows[0].inner_text()
    assert "ok" in first and "operator" in first and "dry" not in first
    shot(page, "runs")
    rows[0].query_selector("a").click()
    page.wait_for_selector("pre.diff")
    diffs = page.inner_text("main")
    for host in pair.hosts:
        assert f"+{host.name}: deployed from the dashboard" in diffs
    shot(page, "run")
    page.click("nav a[href='/hosts']")
    assert pair.hosts[0].name in page.inner_text("table.hosts")
    shot(page, "hosts")
    page.close()
