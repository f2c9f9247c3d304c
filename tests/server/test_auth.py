"""Who may do what, over HTTP against a running server: every API endpoint for every role,
anonymous, and tokens expired, revoked or forged; every page for anonymous and for a role
below it; the CSRF token of forms; the login rate limit; sessions; the listening rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD, ROLES, Served, start_server, stop_server

# (method, path, the least role, a JSON body): bodies and ids chosen so an allowed call
# changes nothing (no such request, no such project file)
API = [
    ("GET", "/api/me", "viewer", None),
    ("GET", "/api/project", "viewer", None),
    ("GET", "/api/runs", "viewer", None),
    ("GET", "/api/runs/999999", "viewer", None),
    ("GET", "/api/hosts", "viewer", None),
    ("GET", "/api/hosts/nohost", "viewer", None),
    ("GET", "/api/requests", "viewer", None),
    ("GET", "/api/requests/999999", "viewer", None),
    ("GET", "/api/requests/999999/events", "viewer", None),
    ("POST", "/api/requests", "operator", {"inventory": "none.py", "deploy": "none.py"}),
    ("POST", "/api/requests/999999/approve", "approver", None),
    ("POST", "/api/requests/999999/cancel", "operator", None),
    ("GET", "/api/users", "admin", None),
    ("POST", "/api/users", "admin", {"name": "bad name!", "role": "viewer"}),
    ("POST", "/api/tokens", "viewer", {"name": "matrix", "days": 1}),
    ("DELETE", "/api/tokens/999999", "viewer", None),
]
CALLERS = ("anonymous", "expired", "revoked", "forged", *ROLES)


def test_every_api_endpoint_is_covered(served: Served) -> None:
    document = httpx.get(served.url + "/api/openapi.json").json()
    listed = {(method.upper(), path) for path, ops in document["paths"].items()
              for method in ops}
    covered = {(m, re.sub(r"/999999|/nohost", "/{}", p)) for m, p, _r, _b in API}
    normalised = {(m, re.sub(r"/\{[a-z_]+\}", "/{}", p)) for m, p in listed}
    assert normalised == covered


@pytest.mark.parametrize("caller", CALLERS)
def test_api_authorization_matrix(served: Served, caller: str) -> None:
    client = served.client(None if caller == "anonymous" else served.tokens[caller])
    for method, path, least, body in API:
        answer = client.request(method, path, json=body)
        if caller not in ROLES:
            assert answer.status_code == 401, (caller, method, path, answer.text)
            assert answer.headers["www-authenticate"] == "Bearer"
        elif ROLES.index(caller) < ROLES.index(least):
            assert answer.status_code == 403, (caller, method, path, answer.text)
        else:
            assert answer.status_code not in (401, 403), (caller, method, path, answer.text)
            assert answer.status_code < 500, (caller, method, path, answer.text)


def test_the_api_ignores_the_session_cookie(served: Served) -> None:
    browser = login(served, "admin")
    assert browser.get("/runs").status_code == 200
    assert browser.get("/api/me").status_code == 401


PAGES = [("/runs", "viewer"), ("/runs/999999", "viewer"), ("/hosts", "viewer"),
         ("/hosts/nohost", "viewer"), ("/requests", "viewer"), ("/requests/999999", "viewer"),
         ("/account", "viewer"), ("/users", "admin")]
FORMS = [("/requests", "operator", {"inventory": "none.py", "deploy": "none.py"}),
         ("/requests/999999/approve", "approver", {}),
         ("/requests/999999/cancel", "operator", {}),
         ("/users", "admin", {"name": "bad name!", "role": "viewer"}),
         ("/account/tokens/999999/revoke", "viewer", {}),
         ("/account/tokens", "viewer", {"name": "page token"})]


def login(served: Served, name: str, password: str = PASSWORD) -> httpx.Client:
    client = served.client()
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    answer = client.post("/login", data={"name": name, "password": password,
                                         "csrf": csrf[1]})
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: httpx.Client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/runs").text)
    assert found
    return found[1]


def test_pages_need_a_session_and_the_role(served: Served) -> None:
    anonymous = served.client()
    for path, _least in PAGES:
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path
    for path, _least, form in FORMS:
        assert anonymous.post(path, data=form).status_code == 303, path
    for role in ROLES:
        browser = login(served, role)
        csrf = csrf_of(browser)
        for path, least in PAGES:
            answer = browser.get(path)
            allowed = ROLES.index(role) >= ROLES.index(least)
            assert (answer.status_code == 403) is not allowed, (role, path, answer.status_code)
        for path, least, form in FORMS:
            answer = browser.post(path, data={**form, "csrf": csrf})
            allowed = ROLES.index(role) >= ROLES.index(least)
            assert (answer.status_code == 403) is not allowed, (role, path, answer.text)
            assert answer.status_code < 500


def test_forms_need_the_sessions_csrf_token(served: Served) -> None:
    admin = login(served, "admin")
    other = csrf_of(login(served, "viewer"))  # another session's token
    before = admin.get("/account").text.count("<tr>")
    for path, _least, form in FORMS:
        for given in ({}, {"csrf": ""}, {"csrf": other}):
            answer = admin.post(path, data={**form, **given})
            assert answer.status_code == 403 and "CSRF" in answer.text, (path, given)
    assert admin.get("/account").text.count("<tr>") == before  # no token was made
    # logging out needs it too, and ends the session
    assert admin.post("/logout", data={"csrf": other}).status_code == 403
    assert admin.post("/logout", data={"csrf": csrf_of(admin)}).status_code == 303
    assert admin.get("/runs").status_code == 303


def test_the_session_cookie(served: Served) -> None:
    client = served.client()
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    answer = client.post("/login", data={"name": "viewer", "password": PASSWORD,
                                         "csrf": csrf[1]})
    cookie = answer.headers["set-cookie"].lower()
    assert "corral_session=" in cookie and "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP on loopback: a Secure cookie would not return
    # the login form itself needs its token
    assert served.client().post("/login", data={"name": "viewer", "password": PASSWORD
                                                 }).status_code == 403
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert header in answer.headers


def test_login_rate_limit(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "inventory.py").write_text('here = ["@local"]\n')
    server = start_server(project, tmp_path / "history.db")
    try:
        from .conftest import make_users

        make_users(server)
        client = served_client = server.client()
        codes = []
        for _ in range(11):
            page = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf
            codes.append(client.post("/login", data={"name": "admin", "password": "wrong",
                                                     "csrf": csrf[1]}).status_code)
        assert codes == [401] * 10 + [429]
        # the right password too is refused now, for that user
        page = served_client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        refused = client.post("/login", data={"name": "admin", "password": PASSWORD,
                                              "csrf": csrf[1]})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    finally:
        stop_server(server)


def corral_serve(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corral", "serve", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_listening_beyond_loopback_needs_tls_or_saying_so(tmp_path: Path) -> None:
    for args in (["--host", "0.0.0.0"], ["--host", "10.1.2.3"],
                 ["--host", "0.0.0.0", "--cert", "missing.pem", "--key", "missing.key"],
                 ["--cert", "a.pem"]):
        done = corral_serve(str(tmp_path), *args, cwd=tmp_path)
        assert done.returncode == 4, done
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / ".corral").exists()  # refused before anything was made


def test_init_admin_prints_a_one_time_password(tmp_path: Path) -> None:
    first = corral_serve(str(tmp_path), "--init-admin", cwd=tmp_path)
    assert first.returncode == 0, first
    password = first.stdout.split("one-time password ")[1].split()[0]
    assert len(password) >= 20
    files = (tmp_path / ".corral").glob("history.db*")  # the database and its WAL
    store = b"".join(path.read_bytes() for path in files)
    assert password.encode() not in store and b"$argon2id$" in store
    again = corral_serve(str(tmp_path), "--init-admin", cwd=tmp_path)
    assert again.stdout.split("one-time password ")[1].split()[0] != password
    bad = corral_serve(str(tmp_path), "--init-admin=no way", cwd=tmp_path)
    assert bad.returncode == 4 and "user name" in bad.stderr
