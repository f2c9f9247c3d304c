"""server.* and crontab.crontab: users, groups, keys, crontabs, scripts, limits, mounts,
services, read back from the sandbox's own files (or from stubs for the kernel's state)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corral.facts.crontab import NAME_PREFIX

from .cases import (
    NAME,
    Arg,
    Case,
    Ctx,
    add_group,
    add_user,
    always,
    as_is,
    in_list,
    passwd_entries,
    safe_name,
    short,
    under_dir,
)
from .checks import ANY, Argv, Check, Custom, Listing, ReadBack
from .sandbox import Outcome, Sandbox

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileKeyForTestsOnly0000000000000000 t@x"

#: an init script stub named like the hostile service (sysvinit.service runs it)
INIT_STUB_UID = 30000


def _uid(ctx: Ctx) -> int:
    return 20000 + ctx.n


@dataclass
class NewEntries(Check):
    """The entries a run added to the user (or group) database: the value, or nothing."""

    table: str

    def before(self, ctx: Ctx, value: str, kwargs: dict[str, Any]) -> Any:
        return set(passwd_entries(ctx.sandbox, self.table))

    def after(self, ctx: Ctx, value: str, kwargs: dict[str, Any], outcome: Outcome,
              snapshot: Any) -> None:
        now = set(passwd_entries(ctx.sandbox, self.table))
        added = now - snapshot
        if outcome.applied:  # made now, or found made by an earlier run of the same value
            assert value in now and added <= {value}, \
                f"{self.table}: added {added!r}, expected {value!r}"
        else:
            assert added <= {value}, f"{outcome.kind}, yet {self.table} gained {added!r}"


def _given(v: str, c: Ctx, k: dict[str, Any]) -> Any:
    """The value, where an empty one means the argument was not given."""
    return v if v else ANY


def _field(table: str, index: int, who: Any = lambda c, v, k: k["user"],
           expected: Any = _given) -> ReadBack:
    """One field of the user's entry in /etc/passwd or /etc/shadow."""

    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        entry = passwd_entries(c.sandbox, table).get(who(c, v, k))
        return entry[index] if entry and len(entry) > index else None

    return ReadBack(read, expected, what=f"{table} field {index}")


def _others_unchanged(table: str) -> Custom:
    """Every other entry of a table is as it was (no line injected into another's)."""

    class Others(Custom):
        def before(self, ctx: Ctx, value: str, kwargs: dict[str, Any]) -> Any:
            return {n: e for n, e in passwd_entries(ctx.sandbox, table).items()
                    if n != kwargs["user"]}

        def after(self, ctx: Ctx, value: str, kwargs: dict[str, Any], outcome: Outcome,
                  snapshot: Any) -> None:
            now = {n: e for n, e in passwd_entries(ctx.sandbox, table).items()
                   if n != kwargs["user"]}
            changed = {n for n in snapshot if now.get(n) != snapshot[n]}
            assert not changed, f"{table} entries of others changed: {sorted(changed)!r}"

    return Others(lambda *a: None)


def _group_setup(c: Ctx, v: str) -> None:
    """The hostile name exists as a group (written into the files, as a host could have);
    not an all-digit name, which the shadow tools read as a gid (see the report)."""
    if safe_name(v) and not v.isdigit() and v not in passwd_entries(c.sandbox, "group"):
        add_group(c.sandbox, v, 40000 + c.n)


def _gid_of(v: str, c: Ctx, k: dict[str, Any]) -> Any:
    """The gid of the group named ``v`` (an all-digit name is taken as a gid: not checked)."""
    if v.isdigit():
        return ANY
    entry = passwd_entries(c.sandbox, "group").get(v)
    return entry[2] if entry else None


def _member_of(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    entry = passwd_entries(c.sandbox, "group").get(v)
    if entry is None:
        return None
    return k["user"] in entry[3].split(",")


def passwd_text(text: str) -> bool:
    """What a field of /etc/passwd can hold: no colon, nothing unprintable."""
    return text not in (".", "..") and ":" not in text and text.isprintable()


def _user_setup(c: Ctx, v: str) -> None:
    """The hostile name exists as a user with a home (for operations on existing users)."""
    if safe_name(v) and v not in passwd_entries(c.sandbox):
        add_user(c.sandbox, v, _uid(c), c.at("home"))
        home = c.sandbox.path(c.at("home"))
        home.mkdir(parents=True, exist_ok=True)


def _home(c: Ctx, user: str) -> str:
    """A user's home, from the sandbox's passwd (a name may be reused by earlier examples)."""
    entry = passwd_entries(c.sandbox).get(user)
    return entry[5] if entry else "/nonexistent"


def _keys_file(path: Any, keys: str | None = None) -> ReadBack:
    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        try:
            return c.sandbox.read(path(c, v, k))
        except ValueError:
            return None
    return ReadBack(read, expected=lambda v, c, k: _key_lines(v if keys is None else keys),
                    what="authorized_keys")


def _key_lines(text: str) -> str:
    """authorized_keys as written from keys given inline: one key a line (lines end at
    newlines only: sshd's), blanks around each dropped, the same key once."""
    keys = [line.strip() for line in text.split("\n") if line.strip()]
    return "".join(f"{k}\n" for k in dict.fromkeys(keys))


def _crontab_of(user: Any) -> Any:
    """The user's crontab as ``crontab -l -u USER`` prints it (the tool's own reading: it
    stores long user names' crontabs under shortened file names)."""

    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        name = user(c, v, k)
        listed = c.sandbox.sh("crontab", "-l", "-u", name)
        return listed.stdout if listed.returncode == 0 else None
    return read


def _cron_entry(user: Any = lambda c, v, k: k["user"], given: Any = lambda v: True
                ) -> ReadBack:
    """Whether the user's crontab holds the entry (its name comment, then its line)."""

    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        text = _crontab_of(user)(c, v, k)
        if text is None:
            return False
        lines = text.split("\n")
        entry = _entry(v, c, k)
        return any(lines[i:i + len(entry)] == entry for i in range(len(lines)))

    return ReadBack(read, expected=lambda v, c, k: True if given(v) else ANY,
                    what="the crontab entry")


def _entry(v: str, c: Ctx, k: dict[str, Any]) -> list[str]:
    times = " ".join(str(k.get(f, "*")) for f in ("minute", "hour", "day_of_month", "month",
                                                  "day_of_week"))
    name = [f"{NAME_PREFIX}{k['cron_name']}"] if k.get("cron_name") else []
    return [*name, f"{times} {k['command']}"]


def _cron_user(c: Ctx) -> None:
    add_user(c.sandbox, f"cu{c.n}", _uid(c))


def _script(c: Ctx, name: str = "script.sh") -> str:
    path = c.local / name
    path.write_text("#!/bin/sh\nprintf '%s\\0' \"$@\" > /var/log/hostile-script-args\n")
    path.chmod(0o755)
    return str(path)


def script_args(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    """The arguments the stub script of :func:`_script` was run with, once."""
    p = c.sandbox.path("/var/log/hostile-script-args")
    if not p.exists():
        return None
    data = p.read_bytes().decode("utf-8", "surrogateescape")
    p.unlink()
    return data.split("\0")[:-1]


def _init_stub(c: Ctx, v: str) -> None:
    """An /etc/init.d script of the hostile name: a recording stub."""
    if v and "/" not in v and v not in (".", ".."):
        c.sandbox.stub(f"/etc/init.d/{v}")


def _ran_init(c: Ctx, v: str, k: dict[str, Any], o: Outcome) -> None:
    if not o.applied or o.unchanged:
        return
    calls = [x for x in c.sandbox.calls() if x.argv[0] == f"/etc/init.d/{k['service']}"]
    assert calls, f"/etc/init.d/{k['service']} did not run: {c.sandbox.calls()!r}"


def _prepare_server(box: Sandbox) -> None:
    box.stub("hostname", "hostnamectl", "/usr/sbin/modprobe", "/usr/sbin/sysctl",
             "/usr/bin/mount", "/usr/bin/umount", "locale-gen", "apt-get",
             "/usr/sbin/locale-gen")
    box.stub("/etc/init.d/hsvc")


CASES: list[Case] = [
    Case(
        "server.user", lambda c: {"user": f"hu{c.n}"},
        (
            Arg("user", as_is("user"), (NewEntries("passwd"),)),
            Arg("home", under_dir("home"), (_field("passwd", 5, expected=lambda v, c, k: k[
                "home"]),), **{**NAME, "valid": passwd_text}),
            Arg("shell", as_is("shell"), (_field("passwd", 6),)),
            Arg("comment", as_is("comment"), (_field("passwd", 4),)),
            Arg("password", as_is("password"), (_field("shadow", 1),
                                                _others_unchanged("shadow"))),
            Arg("group", as_is("group"), (ReadBack(
                lambda c, v, k: (e := passwd_entries(c.sandbox).get(k["user"])) and e[3],
                expected=_gid_of, what="primary gid"),), setup=_group_setup),
            Arg("groups", in_list("groups"), (ReadBack(
                _member_of, expected=lambda v, c, k: ANY if v.isdigit() else True,
                what="membership"),),
                setup=_group_setup),
            Arg("public_keys", as_is("public_keys"), (_keys_file(
                lambda c, v, k: f"/home/{k['user']}/.ssh/authorized_keys"),)),
            Arg("public_keys", in_list("public_keys", KEY), label="public_keys-item"),
        ),
    ),
    Case(
        "server.group", lambda c: {"group": f"hg{c.n}"},
        (
            Arg("group", as_is("group"), (NewEntries("group"),)),
            Arg("gid", as_is("gid")),
        ),
    ),
    Case(
        "server.user_authorized_keys",
        lambda c: {"user": f"hk{c.n}", "public_keys": [KEY]},
        (
            Arg("user", as_is("user"), (_keys_file(
                lambda c, v, k: f"{_home(c, v)}/.ssh/authorized_keys", KEY),),
                setup=_user_setup),
            Arg("public_keys", as_is("public_keys"), (_keys_file(
                lambda c, v, k: c.at("home", ".ssh", "authorized_keys")),)),
            Arg("group", as_is("group"), setup=_group_setup),
            Arg("authorized_key_directory", under_dir("authorized_key_directory"),
                (_keys_file(lambda c, v, k: c.at(v, "authorized_keys"), KEY),), **NAME),
            Arg("authorized_key_filename", as_is("authorized_key_filename"),
                (Listing(lambda c: c.at("home", ".ssh"), kind="file"),), **NAME),
        ),
        setup=lambda c: _user_setup(c, f"hk{c.n}"),
    ),
    *(Case(
        op, lambda c: {"command": f"echo {c.n}", "user": f"cu{c.n}"},
        (
            Arg("command", as_is("command"), (_cron_entry(),)),
            Arg("user", as_is("user"), (_cron_entry(lambda c, v, k: v or "root", bool),),
                setup=_user_setup),
            Arg("cron_name", as_is("cron_name"), (_cron_entry(),)),
            *(Arg(f, as_is(f), (_cron_entry(),))
              for f in ("minute", "hour", "month", "day_of_week", "day_of_month")),
            Arg("special_time", as_is("special_time")),
        ),
        setup=_cron_user,
    ) for op in ("server.crontab", "crontab.crontab")),
    Case(
        "server.script", lambda c: {"src": _script(c), "args": ["a"]},
        (
            Arg("args", in_list("args"), (ReadBack(script_args, expected=lambda v, c, k: [v],
                                                   what="the script's arguments"),),
                valid=always),
            Arg("src", lambda v, c: {"src": _script(c, v)}, (ReadBack(
                script_args, expected=lambda v, c, k: ["a"], what="the script's arguments"),),
                label="src-local-name", **NAME),
        ),
    ),
    Case(
        "server.hostname", lambda c: {"hostname": "hostile-host", "hostname_file": c.at("hn")},
        (
            Arg("hostname", as_is("hostname"), (Argv(("hostname",)),)),
            Arg("hostname_file", under_dir("hostname_file"), (ReadBack(
                lambda c, v, k: c.sandbox.read(k["hostname_file"]),
                expected=lambda v, c, k: "hostile-host\n", what="hostname file"),), **NAME),
        ),
    ),
    Case("server.locale", lambda c: {"locale": "en_GB.UTF-8"},
         (Arg("locale", as_is("locale")),)),
    Case("server.modprobe", lambda c: {"module": "hostile_mod"},
         (Arg("module", as_is("module"), (Argv(("modprobe",)),)),
          Arg("module", in_list("module"), (Argv(("modprobe",)),), label="module-item"))),
    Case(
        "server.mount", lambda c: {"path": c.at("mnt"), "device": "tmpfs", "fs_type": "tmpfs"},
        (
            Arg("path", under_dir("path"), (Argv(("mount",)),), **NAME),
            Arg("options", in_list("options", "ro"), (Argv(("mount",)),)),
            Arg("device", as_is("device"), (Argv(("mount",)),)),
            Arg("fs_type", as_is("fs_type"), (Argv(("mount",)),)),
        ),
    ),
    Case("server.packages", lambda c: {"packages": ["hello"]},
         (Arg("packages", in_list("packages"), (Argv(("apt-get",)),)),
          Arg("packages", as_is("packages"), (Argv(("apt-get",)),), label="packages-str"))),
    Case(
        "server.security_limit",
        lambda c: {"domain": f"hd{c.n}", "limit_type": "soft", "item": "nofile", "value": 4096},
        tuple(Arg(name, as_is(name), (ReadBack(
            lambda c, v, k: [x for x in (c.sandbox.read("/etc/security/limits.conf") or "")
                             .split("\n") if x.startswith(str(k["domain"]) + "\t")],
            expected=lambda v, c, k: [
                f"{k['domain']}\t{k['limit_type']}\t{k['item']}\t{k['value']}"],
            what="limits.conf"),)) for name in ("domain", "limit_type", "item", "value")),
    ),
    Case(
        "server.service", lambda c: {"service": "hsvc", "running": True},
        (
            Arg("service", as_is("service"), (Custom(_ran_init),), setup=_init_stub,
                shape=short),
            Arg("command", as_is("command"), (Argv(("hsvc",)),), extra={"running": None}),
        ),
    ),
    Case(
        "server.sysctl",
        lambda c: {"key": "net.hostile.key", "value": "1", "persist": True,
                   "persist_file": c.at("sysctl.conf")},
        (
            Arg("key", as_is("key"), (ReadBack(
                lambda c, v, k: c.sandbox.read(k["persist_file"]),
                expected=lambda v, c, k: f"{k['key']} = {k['value']}\n", what="sysctl.conf"),)),
            Arg("value", as_is("value"), (ReadBack(
                lambda c, v, k: c.sandbox.read(k["persist_file"]),
                expected=lambda v, c, k: f"{k['key']} = {' '.join(v.split())}\n",
                what="sysctl.conf"),)),
            Arg("value", in_list("value", "1"), label="value-item"),
            Arg("persist_file", under_dir("persist_file"), (Listing(lambda c: c.dir,
                                                                    kind="file"),), **NAME),
        ),
    ),
    Case("server.timezone", lambda c: {"timezone": "Europe/Paris"},
         (Arg("timezone", as_is("timezone")),)),
    Case("server.shell", lambda c: {"commands": ["true"]}, (),
         exempt={"commands": "shell commands by design"}),
    Case("server.wait", lambda c: {"command": "true"}, (),
         exempt={"command": "a shell command by design"}),
    Case("server.reboot", lambda c: {}, ()),
]

CASES[0] = Case(CASES[0].op, CASES[0].base, CASES[0].args, prepare=_prepare_server)

