"""More package managers (uv, snap, flatpak, cargo, go, zypper, xbps, pkg, pkgin, opkg,
choco; brew.trust, dnf.module, apt.sources_file): every program is a recording stub, so a
package name, path, channel or version reaches the program as one argument or is refused;
files corral writes are read back."""

from __future__ import annotations

from typing import Any

from .cases import NAME, Arg, Case, Ctx, as_is, in_list, under_dir
from .cases_packages import CURL_HOOK, repo_settings
from .checks import Argv, ReadBack
from .sandbox import Sandbox

#: extra arguments are split into words as sh splits them and each word is quoted: a
#: string is several arguments by design (pyinfra passes it as shell text)
WORDS = "split into words as sh does, each quoted, by design (pyinfra: shell text)"
STUBBED = ("uv", "snap", "flatpak", "cargo", "go", "zypper", "rpm", "xbps-install",
           "xbps-remove", "xbps-query", "pkg", "pkg_add", "pkg_delete", "pkg_info", "pkgin",
           "opkg", "choco", "brew", "dnf", "curl", "wget")


def _prepare(box: Sandbox) -> None:
    box.stub(*STUBBED)
    box.configure("curl", hook=CURL_HOOK)


def _case(op: str, base: dict[str, Any], args: tuple[Arg, ...], **extra: Any) -> Case:
    return Case(op, lambda c: dict(base), args, prepare=_prepare, **extra)


def _packages(op: str, program: str, param: str = "packages", **extra: Any) -> Case:
    return _case(op, {param: ["hello"], **extra.pop("base", {})}, (
        Arg(param, in_list(param), (Argv((program,)),)),
        Arg(param, as_is(param), (Argv((program,)),), label=f"{param}-str"),
    ), **extra)


def _fields(path: str) -> Any:
    """A deb822 file's ``Field: value`` lines as a dict (None: no file)."""

    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        text = c.sandbox.read(path)
        if text is None:
            return None
        found: dict[str, str] = {}
        for line in text.split("\n"):
            key, sep, value = line.partition(": ")
            if line:
                found[key if sep else f"(not a field) {line}"] = value
        return found

    return read


SOURCES = "/etc/apt/sources.list.d/hostile.sources"


def _sources_base(c: Ctx) -> dict[str, Any]:
    # a repository of its own per example: one configured by an earlier example's file
    # would leave this one's unwritten (configured anywhere is configured)
    return {"filename": "hostile", "uris": [f"http://example.org/{c.n}"],
            "suites": ["bookworm"], "components": ["main"]}


def _sources_wanted(v: str, c: Ctx, k: dict[str, Any]) -> Any:
    def joined(value: Any) -> str:
        return " ".join(value.split() if isinstance(value, str) else value)

    found = {"Types": joined(k.get("types", "deb")) or "deb", "URIs": joined(k["uris"]),
             "Suites": joined(k["suites"])}
    if k.get("components"):
        found["Components"] = joined(k["components"])
    if k.get("architectures"):
        found["Architectures"] = joined(k["architectures"])
    if k.get("signed_by"):
        found["Signed-By"] = k["signed_by"].strip()
    return found


def _sources_arg(param: str, place: Any, label: str = "") -> Arg:
    return Arg(param, place, (ReadBack(_fields(SOURCES), _sources_wanted,
                                       what="the .sources file's fields"),), label=label)


def _zypper_repo_wanted(v: str, c: Ctx, k: dict[str, Any]) -> Any:
    name = k["src"]
    return {"section": f"[{name}]", "name": k.get("description") or name,
            "baseurl": k["baseurl"], "enabled": "1", "gpgcheck": "1",
            **({"type": k.get("type", "rpm-md")} if k.get("type", "rpm-md") else {}),
            **({"gpgkey": k["gpgkey"]} if k.get("gpgkey") else {})}


def _zypper_repo_read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    return repo_settings(c, f"/etc/zypp/repos.d/{k['src']}.repo")


def _repo_name(text: str) -> bool:
    return (text not in (".", "..") and text.isprintable()
            and not any(c.isspace() or c in "[]/" for c in text))


ZYPPER_REPO = ReadBack(_zypper_repo_read, _zypper_repo_wanted, what="the .repo file")

CASES: list[Case] = [
    # uv
    _case("uv.packages", {"packages": ["hello"]}, (
        Arg("packages", in_list("packages"), (Argv(("uv",)),)),
        Arg("requirements", as_is("requirements"), (Argv(("uv",)),),
            extra={"packages": None}),
    ), exempt={"extra_args": WORDS}),
    _packages("uv.pythons", "uv", "versions", exempt={"extra_args": WORDS}),
    _packages("uv.tools", "uv", "tools", exempt={"extra_args": WORDS}),
    _case("uv.tools_upgrade_all", {}, (), exempt={"extra_args": WORDS}),
    _case("uv.tools_update_shell", {}, ()),
    Case("uv.venv", lambda c: {"path": c.at("venv"), "python": "3.12"}, (
        Arg("path", under_dir("path"), (Argv(("uv",)),), **NAME),
        Arg("python", as_is("python"), (Argv(("uv",)),)),
    ), prepare=_prepare, exempt={"extra_args": WORDS}),
    # snap, flatpak, cargo, go
    _case("snap.package", {"packages": ["hello"]}, (
        Arg("packages", in_list("packages"), (Argv(("snap",)),)),
        Arg("packages", as_is("packages"), (Argv(("snap",)),), label="packages-str"),
        Arg("channel", as_is("channel"), (Argv(("snap",), forms=lambda v: [v.strip()]),)),
    )),
    _case("flatpak.packages", {"packages": ["org.example.Hello"]}, (
        Arg("packages", in_list("packages"), (Argv(("flatpak",)),)),
        Arg("packages", as_is("packages"), (Argv(("flatpak",)),), label="packages-str"),
        Arg("remote", as_is("remote"), (Argv(("flatpak",), forms=lambda v: [v.strip()]),)),
    )),
    _packages("cargo.packages", "cargo"),
    _packages("go.packages", "go"),
    # zypper
    _case("zypper.key", {"src": "/etc/hostname"},
          (Arg("src", as_is("src"), (Argv(("rpm",)),)),)),
    Case("zypper.rpm", lambda c: {"src": c.at("p.rpm")}, (
        Arg("src", under_dir("src"), (Argv(("rpm",)),), **NAME),
        Arg("src", as_is("src"), (Argv(("rpm", "curl")),), label="src-any"),
    ), prepare=_prepare),
    Case("zypper.repo", lambda c: {"src": f"hrepo{c.n}", "baseurl": "https://example.org/r"}, (
        Arg("src", as_is("src"), (ZYPPER_REPO,), **{**NAME, "valid": _repo_name}),
        Arg("src", lambda v, c: {"src": f"https://example.org/{v}.repo"},
            (Argv(("curl",)),), label="src-url"),
        *(Arg(name, as_is(name), (ZYPPER_REPO,))
          for name in ("baseurl", "description", "gpgkey", "type")),
    ), prepare=_prepare),
    _case("zypper.update", {}, ()),
    _packages("zypper.packages", "zypper", exempt={
        k: WORDS for k in ("extra_global_install_args", "extra_install_args",
                           "extra_global_uninstall_args", "extra_uninstall_args")}),
    # xbps, pkg, pkgin, opkg, choco
    _packages("xbps.packages", "xbps-install"),
    _case("xbps.update", {}, ()),
    _case("xbps.upgrade", {}, ()),
    _case("pkg.packages", {"packages": ["hello"]}, (
        Arg("packages", in_list("packages"), (Argv(("pkg",)),)),
        Arg("packages", as_is("packages"), (Argv(("pkg",)),), label="packages-str"),
        Arg("pkg_path", as_is("pkg_path"), ()),
    )),
    _packages("pkgin.packages", "pkgin"),
    _case("pkgin.update", {}, ()),
    _case("pkgin.upgrade", {}, ()),
    _packages("opkg.packages", "opkg", base={"update": False}),
    _case("opkg.update", {}, ()),
    _packages("choco.packages", "choco"),
    _case("choco.install", {}, ()),
    # in namespaces of their own elsewhere
    _case("brew.trust", {"items": ["user/tap"], "kind": "taps", "trusted": True}, (
        Arg("items", in_list("items"), (Argv(("brew",)),)),
        Arg("items", as_is("items"), (Argv(("brew",)),), label="items-str"),
        Arg("kind", as_is("kind"), ()),
    )),
    _case("dnf.module", {"module": "postgresql", "stream": "16"}, (
        Arg("module", as_is("module"), (Argv(("dnf",)),)),
        Arg("stream", as_is("stream"), (Argv(("dnf",)),)),
    )),
    Case("apt.sources_file", _sources_base, (
        _sources_arg("uris", lambda v, c: {"uris": [f"http://example.org/{c.n}", v]}),
        _sources_arg("suites", in_list("suites")),
        _sources_arg("components", as_is("components")),
        _sources_arg("architectures", in_list("architectures")),
        _sources_arg("types", as_is("types")),
        _sources_arg("signed_by", as_is("signed_by")),
        Arg("filename", as_is("filename"), (ReadBack(
            lambda c, v, k: c.sandbox.read(f"/etc/apt/sources.list.d/{v}.sources")
            if "/" not in v and v not in ("", ".", "..") else None,
            lambda v, c, k: f"Types: deb\nURIs: {k['uris'][0]}\nSuites: bookworm\n"
                            "Components: main\n",
            what="the .sources file"),), **{**NAME, "valid": None}),
    ), prepare=_prepare),
]
