"""git (the image's real git), databases (mysql and psql stubs), HTTP checks (a curl stub),
iptables and ufw (stubs)."""

from __future__ import annotations

import shlex
from typing import Any

from .cases import (
    LOCAL,
    NAME,
    Arg,
    Case,
    Ctx,
    always,
    as_is,
    dict_key,
    dict_value,
    in_list,
    no_slash,
    sql_forms,
    under_dir,
)
from .checks import ANY, Argv, ReadBack
from .sandbox import Sandbox
from .strategies import name_text

ORIGIN = "/srv/origin"
WORKTREE_REPO = "/srv/wtrepo"
GIT_ID = ["-c", "user.email=h@example.org", "-c", "user.name=hostile"]


def _git(box: Sandbox, *argv: str) -> None:
    done = box.sh("git", *argv)
    assert done.returncode == 0, done.stderr


def _repo(box: Sandbox, path: str) -> None:
    """A repository with one commit on main."""
    _git(box, "init", "-q", "-b", "main", "--", path)
    _git(box, "-C", path, *GIT_ID, "commit", "-q", "--allow-empty", "-m", "init")


def _prepare_git(box: Sandbox) -> None:
    _repo(box, ORIGIN)
    _repo(box, WORKTREE_REPO)


def _config(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    """The key's values, as git reads them (the user's config, or the repository's)."""
    where = ["-C", k["repo"], "config", "--local"] if k.get("repo") else ["config", "--global"]
    done = c.sandbox.sh("git", *where, "-z", "--get-all", "--", k["key"])
    return done.stdout.split("\0")[:-1] if done.returncode == 0 else None


def _head(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    done = c.sandbox.sh("git", "-C", k["dest"], "symbolic-ref", "--short", "HEAD")
    return done.stdout.rstrip("\n") if done.returncode == 0 else None


def _ssh_command(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    done = c.sandbox.sh("git", "-C", k["dest"], "config", "core.sshCommand")
    return shlex.split(done.stdout.rstrip("\n")) if done.returncode == 0 else None


def _is_repo(path: Any, bare: bool = False) -> ReadBack:
    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        try:
            where = c.sandbox.path(path(c, v, k))
        except ValueError:
            return None
        return (where / ("HEAD" if bare else ".git")).exists()
    return ReadBack(read, expected=lambda v, c, k: True, what="a repository there")


def _branch_in_origin(c: Ctx, v: str) -> None:
    """The hostile name as a branch of the origin, when git takes it as a branch name."""
    if c.sandbox.sh("git", "check-ref-format", "--branch", v).returncode == 0:
        c.sandbox.sh("git", "-C", ORIGIN, "branch", "-f", "--", v, "main")


def _worktree_with_tracking(c: Ctx, v: str) -> None:
    _git(c.sandbox, "-C", WORKTREE_REPO, "worktree", "add", "-q", "--detach", "--",
         c.at("wt"), "main")


def _prepare_db(box: Sandbox) -> None:
    box.stub("mysql", "mysqldump", "psql", "pg_dump")
    # the passwords travel in the environment: the stubs write them after their stdin
    box.configure("mysql", hook='printf "MYSQL_PWD=%s\\n" "${MYSQL_PWD-}" >> "$n.in"\n')
    box.configure("mysqldump", hook='printf "MYSQL_PWD=%s\\n" "${MYSQL_PWD-}" >> "$n.in"\n')
    box.configure("psql", hook='printf "PGPASSWORD=%s\\n" "${PGPASSWORD-}" >> "$n.in"\n')
    box.configure("pg_dump", hook='printf "PGPASSWORD=%s\\n" "${PGPASSWORD-}" >> "$n.in"\n')


def _sql(program: str) -> tuple[Argv, ...]:
    return (Argv((program,), forms=sql_forms),)


MYSQL_CONN = ("mysql_user", "mysql_password", "mysql_host")
PSQL_CONN = ("psql_user", "psql_password", "psql_host", "psql_database")
CONN_ELSEWHERE = "the connection arguments every operation of the module shares (fuzzed in {})"


def _mysql(op: str, base: dict[str, Any], texts: tuple[str, ...], program: str = "mysql",
           conn: bool = False) -> Case:
    args = [Arg(t, as_is(t), _sql(program)) for t in texts]
    if conn:
        args += [Arg(t, as_is(t), _sql(program)) for t in MYSQL_CONN]
    exempt = {} if conn else {t: CONN_ELSEWHERE.format("mysql.sql") for t in MYSQL_CONN}
    return Case(op, lambda c: dict(base), tuple(args), exempt=exempt)


def _postgres(op: str, base: dict[str, Any], texts: tuple[str, ...], program: str = "psql",
              conn: bool = False) -> Case:
    args = [Arg(t, as_is(t), _sql(program)) for t in texts]
    if conn:
        args += [Arg(t, as_is(t), _sql(program)) for t in PSQL_CONN]
    exempt = {} if conn else {t: CONN_ELSEWHERE.format("postgres.sql") for t in PSQL_CONN}
    return Case(op, lambda c: dict(base), tuple(args), exempt=exempt)


def _prepare_net(box: Sandbox) -> None:
    box.stub("iptables", "ip6tables", "iptables-save", "ip6tables-save", "iptables-restore",
             "ufw")
    box.stub("curl", out="200")
    # the body curl writes (-o FILE): what the test put in curl.body
    box.configure("curl", out="200", hook=(
        'o=; for a in "$@"; do [ "$o" = next ] && o=$a && break; [ "$a" = -o ] && o=next; '
        'done\n[ -z "$o" ] || [ "$o" = next ] || cat /etc/hostile-stubs/curl.body > "$o"\n'))
    box.write("/etc/hostile-stubs/curl.body", "ok\n")


CURL = (Argv(("curl",)),)
IPT = (Argv(("iptables",)),)
UFW = (Argv(("ufw",)),)

_ON_CONTROLLER = {"args": "passed to a Python function on the controller",
                  "data": "passed to a Python function on the controller"}

CASES: list[Case] = [
    Case(
        "git.config", lambda c: {"key": f"hostile.k{c.n}", "value": "v"},
        (
            Arg("key", as_is("key"), (ReadBack(_config, lambda v, c, k: ["v"],
                                               what="git config"),)),
            Arg("value", as_is("value"), (ReadBack(_config,
                                                   lambda v, c, k: [v], what="git config"),),
                valid=always),
            Arg("repo", under_dir("repo"), (ReadBack(_config, lambda v, c, k: ["v"],
                                                     what="the repository's config"),),
                setup=lambda c, v: _repo(c.sandbox, c.at(v)) if v not in (".", "..") else None,
                **NAME),
        ),
        prepare=_prepare_git,
    ),
    Case(
        "git.repo", lambda c: {"src": ORIGIN, "dest": c.at("clone")},
        (
            Arg("src", as_is("src")),
            Arg("dest", under_dir("dest"), (_is_repo(lambda c, v, k: k["dest"]),), **NAME),
            Arg("branch", as_is("branch"), (ReadBack(_head, lambda v, c, k: v or ANY,
                                                     what="the clone's branch"),),
                setup=_branch_in_origin),
            Arg("user", as_is("user")),
            Arg("group", as_is("group")),
            Arg("ssh_key", as_is("ssh_key"), (ReadBack(
                _ssh_command, lambda v, c, k: ["ssh", "-i", v, "-o", "IdentitiesOnly=yes"]
                if v else ANY, what="core.sshCommand's words"),)),
        ),
    ),
    Case(
        "git.bare_repo", lambda c: {"path": c.at("bare.git")},
        (
            Arg("path", under_dir("path"), (_is_repo(lambda c, v, k: k["path"], bare=True),),
                **NAME),
            Arg("user", as_is("user")),
            Arg("group", as_is("group")),
        ),
    ),
    Case(
        "git.worktree", lambda c: {"worktree": c.at("wt"), "repo": WORKTREE_REPO},
        (
            # git names a new branch after the worktree's directory: a name git refuses as a
            # branch (-x) makes the command fail, which is git's to say
            Arg("worktree", under_dir("worktree"), (_is_repo(lambda c, v, k: k["worktree"]),),
                shape=no_slash, strategy=name_text),
            Arg("repo", under_dir("repo"), (_is_repo(lambda c, v, k: k["worktree"]),),
                setup=lambda c, v: _repo(c.sandbox, c.at(v)) if v not in (".", "..") else None,
                **NAME),
            Arg("new_branch", lambda v, c: {"new_branch": v, "worktree": c.at("wt")}),
            Arg("commitish", as_is("commitish")),
            Arg("from_remote_branch", lambda v, c: {"from_remote_branch": [v, "main"]},
                label="from_remote_branch-remote", setup=_worktree_with_tracking),
            Arg("from_remote_branch", lambda v, c: {"from_remote_branch": [ORIGIN, v]},
                label="from_remote_branch-branch", setup=_worktree_with_tracking),
            Arg("user", as_is("user")),
            Arg("group", as_is("group")),
        ),
    ),
    _mysql("mysql.sql", {"sql": "SELECT 1"}, ("sql", "database"), conn=True),
    _mysql("mysql.database", {"database": "hdb"}, ("database", "collate", "charset", "user",
                                                   "user_hostname")),
    Case("mysql.database", lambda c: {"database": "hdb", "user": "hu"},
         (Arg("user_privileges", as_is("user_privileges"), _sql("mysql")),
          Arg("user_privileges", in_list("user_privileges"), _sql("mysql"),
              label="user_privileges-item"))),
    _mysql("mysql.user", {"user": "hu"}, ("user", "user_hostname", "password", "require")),
    Case("mysql.user", lambda c: {"user": "hu", "require": "X509"},
         (*(Arg(t, as_is(t), _sql("mysql")) for t in ("require_cipher", "require_issuer",
                                                      "require_subject")),
          Arg("privileges", in_list("privileges"), _sql("mysql")),
          Arg("privileges", as_is("privileges"), _sql("mysql"), label="privileges-str"))),
    _mysql("mysql.privileges", {"user": "hu", "privileges": ["SELECT"], "database": "d"},
           ("user", "user_hostname", "database", "table")),
    Case("mysql.privileges", lambda c: {"user": "hu", "privileges": ["SELECT"]},
         (Arg("privileges", in_list("privileges"), _sql("mysql")),)),
    _mysql("mysql.dump", {"dest": "/srv/dump.sql", "database": "d"}, ("dest", "database"),
           program="mysqldump"),
    _mysql("mysql.load", {"src": "/etc/hostname", "database": "d"}, ("src", "database")),
    _postgres("postgres.sql", {"sql": "SELECT 1"}, ("sql",), conn=True),
    _postgres("postgres.role", {"role": "hr"}, ("role", "password")),
    _postgres("postgres.database", {"database": "hdb"},
              ("database", "owner", "template", "encoding", "lc_collate", "lc_ctype",
               "tablespace")),
    _postgres("postgres.dump", {"dest": "/srv/pgdump.sql"}, ("dest",), program="pg_dump"),
    _postgres("postgres.load", {"src": "/etc/hostname"}, ("src",)),
    Case(
        "http.request",
        lambda c: {"url": "http://127.0.0.1/x", "method": "POST", "timeout": 1,
                   "interval": 0.1},
        (
            Arg("url", as_is("url"), CURL),
            Arg("url", lambda v, c: {"url": f"http://127.0.0.1/{v}"}, CURL, label="url-path"),
            Arg("method", as_is("method"), (Argv(("curl",), forms=lambda v: [v.upper()]),)),
            Arg("contains", as_is("contains"),
                setup=lambda c, v: c.sandbox.write("/etc/hostile-stubs/curl.body", v + "\n")),
            Arg("headers", dict_key("headers"), CURL, label="headers-key"),
            Arg("headers", dict_value("headers"), CURL, label="headers-value"),
        ),
        prepare=_prepare_net,
    ),
    Case(
        "iptables.chain", lambda c: {"chain": "HOSTILE"},
        (
            Arg("chain", as_is("chain"), IPT),
            Arg("table", as_is("table"), IPT),
            Arg("policy", as_is("policy"), IPT, extra={"chain": "INPUT"}),
        ),
    ),
    Case(
        "iptables.rule", lambda c: {"chain": "INPUT", "jump": "ACCEPT"},
        (
            *(Arg(t, as_is(t), (Argv(("iptables",), forms=lambda v: [v.lower()]),))
              for t in ("protocol", "not_protocol")),
            *(Arg(t, as_is(t), IPT) for t in (
                "chain", "jump", "table", "source", "not_source",
                "destination", "not_destination", "in_interface", "not_in_interface",
                "out_interface", "not_out_interface")),
            Arg("to_destination", as_is("to_destination"), IPT,
                extra={"table": "nat", "jump": "DNAT", "chain": "PREROUTING"}),
            Arg("to_source", as_is("to_source"), IPT,
                extra={"table": "nat", "jump": "SNAT", "chain": "POSTROUTING"}),
            Arg("to_ports", as_is("to_ports"), IPT,
                extra={"table": "nat", "jump": "REDIRECT", "chain": "PREROUTING"}),
            Arg("log_prefix", as_is("log_prefix"), IPT, extra={"jump": "LOG"}),
        ),
        exempt={"extras": "more iptables options as shell text, by design (as in pyinfra)"},
    ),
    Case("iptables.rules_file", lambda c: {"src": "/nonexistent"},
         (Arg("src", as_is("src"), **LOCAL),)),
    Case("ufw.default", lambda c: {"policy": "deny"},
         (Arg("policy", as_is("policy"), UFW), Arg("direction", as_is("direction"), UFW))),
    Case("ufw.logging", lambda c: {"level": "low"}, (Arg("level", as_is("level"), UFW),)),
    Case(
        "ufw.rule", lambda c: {"action": "allow", "port": 22, "proto": "tcp"},
        (
            *(Arg(t, as_is(t), UFW) for t in ("action", "port", "proto", "from_ip", "to_ip",
                                              "direction", "interface", "log", "comment")),
            Arg("app", as_is("app"), UFW, extra={"port": None, "proto": None}),
        ),
    ),
    Case("ufw.service", lambda c: {}, ()),
    # Python on the controller: what it is given never reaches a shell
    Case("python.call", lambda c: {"function": print}, (),
         exempt={**_ON_CONTROLLER, "function": "a Python function, run on the controller"}),
    Case("python.raise_exception", lambda c: {"exception": ValueError}, (),
         exempt=_ON_CONTROLLER),
]
