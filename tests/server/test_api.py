"""The API over HTTP against a running ``corral serve``: a run asked for, planned,
approved and applied on @local and read back from the history; one run at a time per
inventory and deploy; cancel; the OpenAPI document."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from .conftest import HOSTILE, Served


def wait_state(client: httpx.Client, request_id: int, *states: str,
               timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = client.get(f"/api/requests/{request_id}").json()
        if found["state"] in states:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def test_plan_approve_apply_over_the_api(served: Served) -> None:
    plan_approve_apply(served, ["deploy.py", "hostile.py", "slow.py"])


def test_plan_approve_apply_on_postgresql(served_pg: Served) -> None:
    plan_approve_apply(served_pg, ["deploy.py"])


def plan_approve_apply(served: Served, deploys: list[str]) -> None:
    operator, approver = served.as_role("operator"), served.as_role("approver")
    project = operator.get("/api/project").json()
    assert project == {"inventories": ["inventory.py"], "deploys": deploys}
    asked = operator.post("/api/requests", json={"inventory": "inventory.py",
                                                 "deploy": "deploy.py"})
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert asked.json()["state"] == "planning" and asked.json()["requested_by"] == "operator"
    # the events stream while it runs (server-sent), and end
    with operator.stream("GET", f"/api/requests/{request_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        body = "".join(stream.iter_text())
    events = [json.loads(line[6:]) for line in body.splitlines()
              if line.startswith("data: {") and line != "data: {}"]
    assert any(e.get("event") == "operation" and e["result"]["name"] == "the motd"
               for e in events), events
    assert events[-1] == {"phase": "state", "state": "planned"}
    assert "event: end" in body
    planned = wait_state(operator, request_id, "planned")
    assert planned["plan_exit_code"] == 2 and planned["plan_run_id"]
    assert not (served.project.parent / "out" / "motd").exists()  # a plan changes nothing

    plan = operator.get(f"/api/runs/{planned['plan_run_id']}").json()
    assert plan["dry"] is True and plan["user"] == "operator"
    [host] = plan["hosts_detail"]
    motd = next(op for op in host["operations"] if op["name"] == "the motd")
    assert motd["diffs"][0]["new"].startswith("from corral.operations import")

    approved = approver.post(f"/api/requests/{request_id}/approve")
    assert approved.status_code == 200 and approved.json()["state"] == "applying"
    done = wait_state(approver, request_id, "done", "failed")
    assert done["state"] == "done", done
    assert done["approved_by"] == "approver" and done["apply_exit_code"] == 0
    assert (served.project.parent / "out" / "motd").read_text() == \
        (served.project / "deploy.py").read_text()
    applied = approver.get(f"/api/runs/{done['apply_run_id']}").json()
    assert applied["dry"] is False and applied["status"] == "ok"
    assert applied["user"] == "operator"  # the run is recorded as the asker's
    runs = approver.get("/api/runs").json()
    assert [r["id"] for r in runs[:2]] == [done["apply_run_id"], done["plan_run_id"]]
    hosts = approver.get("/api/hosts").json()
    assert hosts[0]["host"] == "@local" and hosts[0]["last_run"] == done["apply_run_id"]
    timeline = approver.get("/api/hosts/@local").json()
    assert timeline[0]["id"] == done["apply_run_id"]


def test_approval_rules(served: Served) -> None:
    operator, approver = served.as_role("operator"), served.as_role("approver")
    request_id = operator.post("/api/requests", json={
        "inventory": "inventory.py", "deploy": "deploy.py", "limit": ["@local"]}).json()["id"]
    # one run at a time per inventory and deploy
    again = operator.post("/api/requests", json={"inventory": "inventory.py",
                                                 "deploy": "deploy.py"})
    assert again.status_code == 409 and "one run at a time" in again.json()["detail"]
    early = approver.post(f"/api/requests/{request_id}/approve")
    assert early.status_code == 409 and "not planned" in early.json()["detail"]
    wait_state(operator, request_id, "planned")
    own = served.as_role("admin").post("/api/requests", json={
        "inventory": "inventory.py", "deploy": "deploy.py"})
    assert own.status_code == 201
    wait_state(operator, own.json()["id"], "planned")
    mine = served.as_role("admin").post(f"/api/requests/{own.json()['id']}/approve")
    assert mine.status_code == 409 and "someone other" in mine.json()["detail"]
    # a planned request cancelled is never applied
    cancelled = operator.post(f"/api/requests/{request_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert approver.post(f"/api/requests/{request_id}/approve").status_code == 409
    assert operator.post(f"/api/requests/{own.json()['id']}/cancel").status_code == 200


def test_cancel_stops_a_running_apply(served: Served) -> None:
    operator, approver = served.as_role("operator"), served.as_role("approver")
    request_id = operator.post("/api/requests", json={"inventory": "inventory.py",
                                                      "deploy": "slow.py"}).json()["id"]
    wait_state(operator, request_id, "planned")
    assert approver.post(f"/api/requests/{request_id}/approve").status_code == 200
    time.sleep(1.5)  # the sleep has started
    started = time.monotonic()
    cancelled = operator.post(f"/api/requests/{request_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    done = wait_state(operator, request_id, "cancelled", "done", "failed", timeout=30)
    assert done["state"] == "cancelled" and done["cancelled_by"] == "operator", done
    assert time.monotonic() - started < 20  # not the 60 s of the sleep
    applied = operator.get(f"/api/runs/{done['apply_run_id']}").json()
    assert applied["status"] == "interrupted", applied
    # the pair is free again
    again = operator.post("/api/requests", json={"inventory": "inventory.py",
                                                 "deploy": "slow.py"})
    assert again.status_code == 201
    wait_state(operator, again.json()["id"], "planned")
    operator.post(f"/api/requests/{again.json()['id']}/cancel")


def test_only_the_projects_files_run(served: Served) -> None:
    extra = served.project / "later.py"
    extra.write_text("from corral.operations import server\n")
    try:
        # the project is read at start: a file added since is not one of its deploys
        refused = served.as_role("operator").post(
            "/api/requests", json={"inventory": "inventory.py", "deploy": "later.py"})
        assert refused.status_code == 400 and "not one of the project's" in refused.text
    finally:
        extra.unlink()


def test_bad_requests_are_refused(served: Served) -> None:
    operator = served.as_role("operator")
    for body in ({"inventory": "../etc/passwd", "deploy": "deploy.py"},
                 {"inventory": "inventory.py", "deploy": "/bin/sh"},
                 {"inventory": "inventory.py", "deploy": "deploy.py; rm -rf /"}):
        answer = operator.post("/api/requests", json=body)
        assert answer.status_code == 400, answer.text
    assert operator.post("/api/requests", json={"inventory": 1}).status_code == 422
    assert operator.get("/api/runs/999999").status_code == 404
    assert operator.get("/api/runs", params={"since": "yesterday"}).status_code == 400


def test_openapi_documents_the_api(served: Served) -> None:
    document = httpx.get(served.url + "/api/openapi.json").json()
    paths = set(document["paths"])
    assert {"/api/runs", "/api/runs/{run_id}", "/api/hosts", "/api/requests",
            "/api/requests/{request_id}/approve", "/api/tokens"} <= paths
    assert not any(not p.startswith("/api/") for p in paths)  # pages are not in it


def test_tokens_are_shown_once_and_kept_hashed(served: Served) -> None:
    viewer = served.as_role("viewer")
    made = viewer.post("/api/tokens", json={"name": "ci"})
    assert made.status_code == 201
    token = made.json()["token"]
    assert served.client(token).get("/api/me").json() == {"name": "viewer", "role": "viewer"}
    assert isinstance(served.store_path, Path)
    stored = b"".join(p.read_bytes() for p in served.store_path.parent.glob("history.db*"))
    assert token.encode() not in stored
    assert viewer.delete(f"/api/tokens/{made.json()['id']}").status_code == 200
    assert served.client(token).get("/api/me").status_code == 401


def test_pages_escape_what_runs_recorded(served: Served) -> None:
    from .test_auth import login

    operator, approver = served.as_role("operator"), served.as_role("approver")
    request_id = operator.post("/api/requests", json={"inventory": "inventory.py",
                                                      "deploy": "hostile.py"}).json()["id"]
    wait_state(operator, request_id, "planned")
    approver.post(f"/api/requests/{request_id}/approve")
    done = wait_state(operator, request_id, "done", "failed")
    assert done["state"] == "done", done
    run = operator.get(f"/api/runs/{done['apply_run_id']}").json()
    [op] = run["hosts_detail"][0]["operations"]
    assert op["name"] == HOSTILE and "<script>alert(2)</script>" in op["stdout"]
    browser = login(served, "viewer")
    for path in (f"/runs/{done['apply_run_id']}", f"/requests/{request_id}",
                 "/hosts/@local"):
        page = browser.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(" in page, path


def test_actions_are_in_the_audit_log(served: Served) -> None:
    from corral import history

    from .test_auth import login

    operator = served.as_role("operator")
    made = operator.post("/api/tokens", json={"name": "audited"}).json()
    operator.delete(f"/api/tokens/{made['id']}")
    request_id = operator.post("/api/requests", json={"inventory": "inventory.py",
                                                      "deploy": "deploy.py"}).json()["id"]
    wait_state(operator, request_id, "planned")
    operator.post(f"/api/requests/{request_id}/cancel")
    login(served, "viewer")
    refused = served.client()
    page = refused.get("/login").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    refused.post("/login", data={"name": "viewer", "password": "not it", "csrf": csrf})

    store = history.open_store(served.store_path, writing=False)
    try:
        records = history.list_audit(store, limit=1000)
        assert history.verify_audit(store)["valid"] is True
    finally:
        store.close()
    seen = [(r["kind"], r["actor"], r["detail"]) for r in records]
    assert ("token.create", "operator", {"token": made["id"], "name": "audited"}) in seen
    assert ("token.revoke", "operator", {"token": made["id"]}) in seen
    assert ("run.request", "operator", {"request": request_id, "inventory": "inventory.py",
                                        "deploy": "deploy.py", "limit": []}) in seen
    assert ("run.cancel", "operator", {"request": request_id, "state": "planned"}) in seen
    assert any(k == "login" and a == "viewer" for k, a, _d in seen)
    assert any(k == "login.refused" and d["name"] == "viewer" for k, _a, d in seen)
    # the runs themselves are there too, from the recorder
    assert any(k == "run.start" for k, _a, _d in seen)
    text = repr(records)
    assert made["token"] not in text and "not it" not in text
