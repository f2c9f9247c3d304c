"""The web application: pages (server-rendered, jinja2) and the JSON API under ``/api/``
(FastAPI; its OpenAPI document at ``/api/openapi.json``, browsable at ``/api/docs``).

Pages authenticate by a session cookie (HttpOnly, SameSite=Strict, Secure under TLS) and
every form that changes something carries the session's CSRF token. The API
authenticates by a bearer token only (``Authorization: Bearer corral_...``), never by the
cookie, so a page of another site cannot make the browser call it."""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.responses import StreamingResponse

from corral import history
from corral.history import Store

from . import audit, auth, data
from .auth import ROLES, AuthError, User
from .jobs import Busy, JobError, Jobs
from .project import Project

HERE = Path(__file__).parent
SESSION_COOKIE = "corral_session"
LOGIN_CSRF_COOKIE = "corral_login_csrf"
#: every page and answer: no framing, scripts and styles from this server only
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    pass


class PageForbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Settings:
    def __init__(self, project: Project, store: Store, *, tls: bool,
                 limiter: auth.RateLimit | None = None) -> None:
        self.project = project
        self.store = store
        self.tls = tls
        self.limiter = limiter or auth.RateLimit()
        self.jobs = Jobs(store, project)


# -- request bodies (the API) -----------------------------------------------------------
class RunRequestBody(BaseModel):
    inventory: str = Field(description="an inventory file of the project (GET /api/project)")
    deploy: str = Field(description="a deploy file of the project (GET /api/project)")
    limit: list[str] = Field(default_factory=list, description="host names, groups or globs")


class UserBody(BaseModel):
    name: str
    role: str = Field(description="viewer, operator, approver or admin")


class TokenBody(BaseModel):
    name: str = Field(description="what the token is for")
    days: int | None = Field(default=None, ge=1, le=3650,
                             description="how long it lasts (none: until revoked)")


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        settings.jobs.recover()
        yield
        await settings.jobs.shutdown()

    app = FastAPI(title="corral", summary="corral's dashboard API", lifespan=lifespan,
                  openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["roles"] = ROLES
    templates.env.filters["diff_lines"] = data.diff_lines
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    store = settings.store
    jobs = settings.jobs

    @app.middleware("http")
    async def headers(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if settings.tls:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return templates.TemplateResponse(request, "error.html", {
            "user": None, "message": exc.message}, status_code=403)

    # -- who is asking -----------------------------------------------------------------
    def page_user(request: Request) -> tuple[User, str]:
        token = request.cookies.get(SESSION_COOKIE)
        found = auth.session_user(store, token) if token else None
        if found is None:
            raise LoginRequired()
        return found

    def page_role(role: str) -> Callable[[Request], tuple[User, str]]:
        def check(request: Request) -> tuple[User, str]:
            user, csrf = page_user(request)
            if not user.may(role):
                raise PageForbidden(f"this needs the role {role} (you are {user.role})")
            return user, csrf
        return check

    def posted(role: str) -> Callable[..., Awaitable[User]]:
        """A state-changing form: the session, the role, and the session's CSRF token."""
        async def check(request: Request) -> User:
            user, csrf = page_role(role)(request)
            form = await request.form()
            given = str(form.get("csrf", ""))
            if not hmac.compare_digest(given.encode(), csrf.encode()):
                raise PageForbidden("the form's CSRF token is missing or wrong: "
                                    "reload the page and try again")
            return user
        return check

    def api_role(role: str) -> Callable[[Request], User]:
        def check(request: Request) -> User:
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            user = auth.token_user(store, token.strip()) if scheme.lower() == "bearer" \
                and token.strip() else None
            if user is None:
                raise HTTPException(401, "a live API token is needed (Authorization: "
                                         "Bearer corral_...)",
                                    headers={"WWW-Authenticate": "Bearer"})
            if not user.may(role):
                raise HTTPException(403, f"this needs the role {role} (yours: {user.role})")
            return user
        return check

    # the dependencies of each kind of route: a page, a form that changes something, the API
    page_viewer, page_admin = Depends(page_role("viewer")), Depends(page_role("admin"))
    form_viewer, form_operator = Depends(posted("viewer")), Depends(posted("operator"))
    form_approver, form_admin = Depends(posted("approver")), Depends(posted("admin"))
    api_viewer, api_operator = Depends(api_role("viewer")), Depends(api_role("operator"))
    api_approver, api_admin = Depends(api_role("approver")), Depends(api_role("admin"))

    def render(request: Request, name: str, user: User | None, csrf: str | None,
               status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {
            "user": user, "csrf": csrf, **context}, status_code=status)

    # -- logging in ----------------------------------------------------------------------
    def login_page(request: Request, message: str | None = None,
                   status: int = 200) -> Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        response: Response = render(request, "login.html", None, token, status,
                                    message=message)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=settings.tls, path="/login")
        return response

    @app.get("/login", include_in_schema=False)
    def get_login(request: Request) -> Response:
        return login_page(request)

    @app.post("/login", include_in_schema=False)
    def post_login(request: Request, name: str = Form(""), password: str = Form(""),
                   csrf: str = Form("")) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
            return login_page(request, "the form expired: try again", 403)
        client = request.client.host if request.client else "?"
        keys = (f"address:{client}", f"user:{name}")
        wait = settings.limiter.retry_after(*keys)
        if wait:
            response: Response = login_page(
                request, f"too many failed logins: try again in {wait} s", 429)
            response.headers["Retry-After"] = str(wait)
            return response
        user = auth.authenticate(store, name, password)
        if user is None:
            settings.limiter.failed(*keys)
            audit.record(store, audit.LOGIN_REFUSED, None, name=name[:64], address=client)
            return login_page(request, "wrong name or password", 401)
        token, _csrf = auth.open_session(store, user)
        audit.record(store, audit.LOGIN, user.name, address=client)
        response = RedirectResponse("/runs", status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                            secure=settings.tls, path="/",
                            max_age=int(auth.SESSION_LIFETIME.total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, user: User = form_viewer) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            auth.close_session(store, token)
            audit.record(store, audit.LOGOUT, user.name)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # -- pages ---------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/runs", status_code=303)

    def run_filter(status: str | None, host: str | None, deploy: str | None,
                   kind: str | None, since: str | None, limit: int) -> history.RunFilter:
        try:
            when = history.parse_since(since) if since else None
        except history.QueryError as exc:
            raise HTTPException(400, str(exc)) from None
        return history.RunFilter(status=status or None, host=host or None,
                                 deploy=deploy or None, kind=kind or None, since=when,
                                 limit=max(1, min(limit, 1000)))

    @app.get("/runs", include_in_schema=False)
    def runs_page(request: Request, status: str | None = None, host: str | None = None,
                  deploy: str | None = None, kind: str | None = None,
                  since: str | None = None, limit: int = 100,
                  who: tuple[User, str] = page_viewer) -> HTMLResponse:
        filters = run_filter(status, host, deploy, kind, since, limit)
        return render(request, "runs.html", *who, runs=history.list_runs(store, filters),
                      filters={"status": status or "", "host": host or "",
                               "deploy": deploy or "", "kind": kind or "",
                               "since": since or ""})

    @app.get("/runs/{run_id}", include_in_schema=False)
    def run_page(request: Request, run_id: int,
                 who: tuple[User, str] = page_viewer) -> HTMLResponse:
        run = history.show_run(store, run_id)
        if run is None:
            return render(request, "error.html", *who, 404, message=f"no run {run_id}")
        return render(request, "run.html", *who, run=run)

    @app.get("/hosts", include_in_schema=False)
    def hosts_page(request: Request,
                   who: tuple[User, str] = page_viewer) -> HTMLResponse:
        return render(request, "hosts.html", *who, hosts=data.hosts_overview(store))

    @app.get("/hosts/{name}", include_in_schema=False)
    def host_page(request: Request, name: str,
                  who: tuple[User, str] = page_viewer) -> HTMLResponse:
        return render(request, "host.html", *who, host_name=name,
                      timeline=history.host_timeline(store, name, limit=200))

    @app.get("/requests", include_in_schema=False)
    def requests_page(request: Request,
                      who: tuple[User, str] = page_viewer) -> HTMLResponse:
        return render(request, "requests.html", *who, requests=jobs.list_requests(),
                      project=settings.project)

    @app.post("/requests", include_in_schema=False)
    async def new_request(request: Request,
                          user: User = form_operator) -> Response:
        form = await request.form()
        limit = str(form.get("limit", "")).replace(",", " ").split()
        try:
            request_id = await jobs.plan(str(form.get("inventory", "")),
                                         str(form.get("deploy", "")), limit, user.name)
        except JobError as exc:
            return render(request, "error.html", user, None, 409, message=str(exc))
        return RedirectResponse(f"/requests/{request_id}", status_code=303)

    @app.get("/requests/{request_id}", include_in_schema=False)
    def request_page(request: Request, request_id: int,
                     who: tuple[User, str] = page_viewer) -> HTMLResponse:
        found = jobs.get(request_id)
        if found is None:
            return render(request, "error.html", *who, 404,
                          message=f"no request {request_id}")
        plan = history.show_run(store, found["plan_run_id"]) if found["plan_run_id"] \
            else None
        applied = history.show_run(store, found["apply_run_id"]) if found["apply_run_id"] \
            else None
        return render(request, "request.html", *who, req=found, plan=plan, applied=applied)

    async def act(request: Request, request_id: int, user: User, action: str) -> Response:
        try:
            if action == "approve":
                await jobs.approve(request_id, user.name)
            else:
                await jobs.cancel(request_id, user.name)
        except JobError as exc:
            return render(request, "error.html", user, None, 409, message=str(exc))
        return RedirectResponse(f"/requests/{request_id}", status_code=303)

    @app.post("/requests/{request_id}/approve", include_in_schema=False)
    async def approve_page(request: Request, request_id: int,
                           user: User = form_approver) -> Response:
        return await act(request, request_id, user, "approve")

    @app.post("/requests/{request_id}/cancel", include_in_schema=False)
    async def cancel_page(request: Request, request_id: int,
                          user: User = form_operator) -> Response:
        return await act(request, request_id, user, "cancel")

    @app.get("/requests/{request_id}/events", include_in_schema=False)
    def events_page(request_id: int,
                    _who: tuple[User, str] = page_viewer) -> Response:
        return event_stream(request_id)

    @app.get("/account", include_in_schema=False)
    def account_page(request: Request,
                     who: tuple[User, str] = page_viewer) -> HTMLResponse:
        return render(request, "account.html", *who, tokens=auth.list_tokens(store, who[0]),
                      new_token=None)

    @app.post("/account/tokens", include_in_schema=False)
    async def new_token_page(request: Request,
                             user: User = form_viewer) -> HTMLResponse:
        form = await request.form()
        name = str(form.get("name", "")).strip() or "token"
        token_id, token = auth.create_token(store, user, name)
        audit.record(store, audit.TOKEN_CREATE, user.name, token=token_id, name=name)
        csrf = page_user(request)[1]
        return render(request, "account.html", user, csrf,
                      tokens=auth.list_tokens(store, user), new_token=token)

    @app.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
    def revoke_page(token_id: int, user: User = form_viewer) -> Response:
        if auth.revoke_token(store, user, token_id):
            audit.record(store, audit.TOKEN_REVOKE, user.name, token=token_id)
        return RedirectResponse("/account", status_code=303)

    @app.get("/users", include_in_schema=False)
    def users_page(request: Request,
                   who: tuple[User, str] = page_admin) -> HTMLResponse:
        return render(request, "users.html", *who, users=auth.list_users(store),
                      created=None, message=None)

    @app.post("/users", include_in_schema=False)
    async def new_user_page(request: Request,
                            user: User = form_admin) -> HTMLResponse:
        form = await request.form()
        csrf = page_user(request)[1]
        password = auth.new_password()
        try:
            created = auth.create_user(store, str(form.get("name", "")), password,
                                       str(form.get("role", "")))
        except AuthError as exc:
            return render(request, "users.html", user, csrf, 400,
                          users=auth.list_users(store), created=None, message=str(exc))
        audit.record(store, audit.USER_CREATE, user.name, name=created.name,
                     role=created.role)
        return render(request, "users.html", user, csrf, users=auth.list_users(store),
                      created={"name": created.name, "password": password}, message=None)

    # -- server-sent events ------------------------------------------------------------
    def event_stream(request_id: int) -> Response:
        if jobs.get(request_id) is None:
            raise HTTPException(404, f"no request {request_id}")

        async def stream() -> AsyncIterator[bytes]:
            backlog, queue = jobs.subscribe(request_id)
            try:
                for event in backlog:
                    yield f"data: {json.dumps(event)}\n\n".encode()
                while queue is not None:
                    try:
                        item = await asyncio.wait_for(queue.get(), timeout=15)
                    except TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                    if item is None:
                        break
                    yield f"data: {json.dumps(item)}\n\n".encode()
                yield b"event: end\ndata: {}\n\n"
            finally:
                if queue is not None:
                    jobs.unsubscribe(request_id, queue)

        return StreamingResponse(stream(), media_type="text/event-stream")

    # -- the API -------------------------------------------------------------------------
    @app.get("/api/me", tags=["users"])
    def api_me(user: User = api_viewer) -> dict[str, Any]:
        """Who the token belongs to."""
        return {"name": user.name, "role": user.role}

    @app.get("/api/project", tags=["runs"])
    def api_project(_user: User = api_viewer) -> dict[str, Any]:
        """The inventories and deploys a run can be asked for."""
        return {"inventories": list(settings.project.inventories),
                "deploys": list(settings.project.deploys)}

    @app.get("/api/runs", tags=["history"])
    def api_runs(status: str | None = None, host: str | None = None,
                 deploy: str | None = None, kind: str | None = None,
                 since: str | None = None, limit: int = 50,
                 _user: User = api_viewer) -> list[dict[str, Any]]:
        """The runs recorded, newest first (the fields of `corral history --json`)."""
        found: list[dict[str, Any]] = history.list_runs(
            store, run_filter(status, host, deploy, kind, since, limit))
        return found

    @app.get("/api/runs/{run_id}", tags=["history"])
    def api_run(run_id: int, _user: User = api_viewer) -> dict[str, Any]:
        """One run in full: per host, its operations with commands, output and diffs."""
        run: dict[str, Any] | None = history.show_run(store, run_id)
        if run is None:
            raise HTTPException(404, f"no run {run_id}")
        return run

    @app.get("/api/hosts", tags=["history"])
    def api_hosts(_user: User = api_viewer) -> list[dict[str, Any]]:
        """Every host recorded, with its last run."""
        return data.hosts_overview(store)

    @app.get("/api/hosts/{name}", tags=["history"])
    def api_host(name: str, limit: int = 50,
                 _user: User = api_viewer) -> list[dict[str, Any]]:
        """A host's timeline: the runs that touched it, newest first."""
        found: list[dict[str, Any]] = history.host_timeline(store, name,
                                                            limit=max(1, min(limit, 1000)))
        return found

    @app.get("/api/requests", tags=["runs"])
    def api_requests(_user: User = api_viewer) -> list[dict[str, Any]]:
        """The runs asked for from the server, newest first."""
        return jobs.list_requests()

    @app.get("/api/requests/{request_id}", tags=["runs"])
    def api_request(request_id: int,
                    _user: User = api_viewer) -> dict[str, Any]:
        found = jobs.get(request_id)
        if found is None:
            raise HTTPException(404, f"no request {request_id}")
        return found

    @app.post("/api/requests", tags=["runs"], status_code=201)
    async def api_new_request(body: RunRequestBody,
                              user: User = api_operator) -> dict[str, Any]:
        """Ask for a run: its plan (a dry run) starts now; an approver applies it."""
        try:
            request_id = await jobs.plan(body.inventory, body.deploy, body.limit, user.name)
        except Busy as exc:
            raise HTTPException(409, str(exc)) from None
        except JobError as exc:
            raise HTTPException(400, str(exc)) from None
        found = jobs.get(request_id)
        assert found is not None
        return found

    async def api_act(request_id: int, user: User, action: str) -> dict[str, Any]:
        try:
            if action == "approve":
                await jobs.approve(request_id, user.name)
            else:
                await jobs.cancel(request_id, user.name)
        except JobError as exc:
            code = 404 if jobs.get(request_id) is None else 409
            raise HTTPException(code, str(exc)) from None
        found = jobs.get(request_id)
        assert found is not None
        return found

    @app.post("/api/requests/{request_id}/approve", tags=["runs"])
    async def api_approve(request_id: int,
                          user: User = api_approver) -> dict[str, Any]:
        """Approve a planned request (by another user than who asked): it applies now."""
        return await api_act(request_id, user, "approve")

    @app.post("/api/requests/{request_id}/cancel", tags=["runs"])
    async def api_cancel(request_id: int,
                         user: User = api_operator) -> dict[str, Any]:
        """Cancel a request: a running plan or apply stops as on Ctrl-C."""
        return await api_act(request_id, user, "cancel")

    @app.get("/api/requests/{request_id}/events", tags=["runs"])
    def api_events(request_id: int, _user: User = api_viewer) -> Response:
        """The request's events as server-sent events (each one JSON, as `corral --json`'s
        lines, with its `phase`: plan, apply, state); ends with an `end` event."""
        return event_stream(request_id)

    @app.get("/api/users", tags=["users"])
    def api_users(_user: User = api_admin) -> list[dict[str, Any]]:
        return auth.list_users(store)

    @app.post("/api/users", tags=["users"], status_code=201)
    def api_new_user(body: UserBody,
                     user: User = api_admin) -> dict[str, Any]:
        """Create a user; the answer holds their password, shown this once."""
        password = auth.new_password()
        try:
            created = auth.create_user(store, body.name, password, body.role)
        except AuthError as exc:
            raise HTTPException(400, str(exc)) from None
        audit.record(store, audit.USER_CREATE, user.name, name=created.name,
                     role=created.role)
        return {"name": created.name, "role": created.role, "password": password}

    @app.post("/api/tokens", tags=["users"], status_code=201)
    def api_new_token(body: TokenBody,
                      user: User = api_viewer) -> dict[str, Any]:
        """A new token for the caller; the answer holds it, shown this once."""
        lifetime = timedelta(days=body.days) if body.days else None
        token_id, token = auth.create_token(store, user, body.name, lifetime)
        audit.record(store, audit.TOKEN_CREATE, user.name, token=token_id, name=body.name)
        return {"id": token_id, "name": body.name, "token": token}

    @app.delete("/api/tokens/{token_id}", tags=["users"])
    def api_revoke_token(token_id: int,
                         user: User = api_viewer) -> dict[str, Any]:
        """Revoke one of the caller's tokens (an admin: anyone's)."""
        if not auth.revoke_token(store, user, token_id):
            raise HTTPException(404, f"no token {token_id} of yours")
        audit.record(store, audit.TOKEN_REVOKE, user.name, token=token_id)
        return {"id": token_id, "revoked": True}

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=exc.headers)
        return templates.TemplateResponse(request, "error.html", {
            "user": None, "message": str(exc.detail)}, status_code=exc.status_code)

    return app
