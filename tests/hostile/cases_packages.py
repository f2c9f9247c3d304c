"""Package managers: every package manager the image lacks (and apt-get, dpkg, gpg, curl)
is a recording stub, so a package name, file, URL or key reaches the program as one
argument or is refused; repository files written by corral are read back."""

from __future__ import annotations

from typing import Any

from .cases import (
    NAME,
    Arg,
    Case,
    Ctx,
    as_is,
    in_list,
    under_dir,
)
from .checks import Argv, ReadBack
from .sandbox import Sandbox

EXTRA_ARGS = "more arguments as shell text, by design (as in pyinfra)"
STUBBED = ("python3", "apk", "brew", "dnf", "yum", "rpm", "gem", "npm", "pacman", "pipx", "pip",
           "virtualenv", "hpython", "apt-get", "apt-add-repository", "dpkg", "dpkg-deb", "gpg",
           "curl", "wget")

CURL_HOOK = """o=; for a in "$@"; do [ "$o" = next ] && o=$a && break; [ "$a" = -o ] && o=next; done
[ -z "$o" ] || [ "$o" = next ] || printf 'downloaded\\n' > "$o"
"""


#: a stub virtualenv (and python -m venv) makes the environment's bin/pip, a stub too
VENV_HOOK = """for a in "$@"; do d=$a; done
mkdir -p "$d/bin" && cp /usr/bin/pip "$d/bin/pip" && : > "$d/bin/activate"
"""
ARMORED = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"


def _prepare(box: Sandbox) -> None:
    box.stub(*STUBBED)
    box.configure("curl", hook=CURL_HOOK)
    box.configure("gpg", hook=CURL_HOOK)
    box.configure("virtualenv", hook=VENV_HOOK)
    box.configure("hpython", hook=VENV_HOOK)
    box.configure("python3", hook=VENV_HOOK)


def _packages(op: str, program: str, **extra: Any) -> Case:
    """An operation installing ``packages`` with ``program`` (a stub)."""
    shell_text = extra.pop("exempt_args", ())
    exempt = {k: EXTRA_ARGS for k in shell_text}
    return Case(
        op, lambda c: {"packages": ["hello"], **extra},
        (
            Arg("packages", in_list("packages"), (Argv((program,)),)),
            Arg("packages", as_is("packages"), (Argv((program,)),), label="packages-str"),
        ),
        exempt=exempt,
    )


def repo_settings(c: Ctx, path: str) -> dict[str, str] | None:
    """A .repo file read back as yum and zypper read it (one setting a line): its section,
    each setting, and what is set twice or is no setting."""
    text = c.sandbox.read(path)
    if text is None:
        return None
    lines = text.split("\n")
    found: dict[str, str] = {"section": lines[0]}
    for line in lines[1:]:
        key, sep, value = line.partition("=")
        if sep:
            found[key] = value if key not in found else "(set twice)"
        elif line:
            found[line] = "(not a setting)"
    return found


def _yum_repo(tool: str) -> Case:
    """A .repo file written from the arguments: read back as yum reads it (one setting a
    line), it holds each value as given and nothing else."""

    def settings(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        return repo_settings(c, f"/etc/yum.repos.d/{k['src']}.repo")

    def wanted(v: str, c: Ctx, k: dict[str, Any]) -> Any:
        name = k["src"]
        found = {"section": f"[{name}]", "name": k.get("description") or name,
                 "baseurl": k["baseurl"], "enabled": "1", "gpgcheck": "1"}
        if k.get("gpgkey"):
            found["gpgkey"] = k["gpgkey"]
        return found

    def check() -> ReadBack:
        return ReadBack(settings, wanted, what="the .repo file's settings")

    return Case(
        f"{tool}.repo",
        lambda c: {"src": f"hrepo{c.n}", "baseurl": "https://example.org/repo"},
        (
            Arg("src", as_is("src"), (check(),), **{**NAME, "valid": _repo_name}),
            Arg("src", lambda v, c: {"src": f"https://example.org/{v}.repo"},
                (Argv(("curl",)),), label="src-url"),
            *(Arg(name, as_is(name), (check(),)) for name in ("baseurl", "description",
                                                              "gpgkey")),
        ),
    )


def _repo_name(text: str) -> bool:
    """What a yum repository's name can be: a file name and a [section] header."""
    return (text not in (".", "..") and text.isprintable()
            and not any(c.isspace() or c in "[]/" for c in text))


def _rpm_case(tool: str) -> list[Case]:
    return [
        Case(f"{tool}.key", lambda c: {"src": "/etc/hostname"},
             (Arg("src", as_is("src"), (Argv(("rpm",)),)),)),
        Case(f"{tool}.rpm", lambda c: {"src": c.at("p.rpm")},
             (Arg("src", under_dir("src"), (Argv(("rpm",)),), **NAME),
              Arg("src", as_is("src"), (Argv(("rpm", "curl")),), label="src-any"))),
        _yum_repo(tool),
        _packages(f"{tool}.packages", tool,
                  exempt_args=("extra_install_args", "extra_uninstall_args")),
    ]


CASES: list[Case] = [
    Case("apk.packages", lambda c: {"packages": ["hello"]},
         (Arg("packages", in_list("packages"), (Argv(("apk",)),)),), prepare=_prepare),
    Case("apk.update", lambda c: {}, ()),
    Case("apk.upgrade", lambda c: {}, ()),
    Case(
        "apt.packages", lambda c: {"packages": ["hostile-pkg"]},
        (
            Arg("packages", in_list("packages"), (Argv(("apt-get",)),)),
            Arg("packages", as_is("packages"), (Argv(("apt-get",)),), label="packages-str"),
        ),
        exempt={"extra_install_args": EXTRA_ARGS, "extra_uninstall_args": EXTRA_ARGS},
    ),
    Case("apt.update", lambda c: {}, ()),
    Case("apt.upgrade", lambda c: {}, ()),
    Case("apt.dist_upgrade", lambda c: {}, ()),
    Case("apt.ppa", lambda c: {"src": "ppa:hostile/ppa"},
         (Arg("src", as_is("src"), (Argv(("apt-add-repository",)),)),)),
    Case(
        "apt.repo",
        lambda c: {"src": f"deb https://example.org/debian{c.n} stable main",
                   "filename": f"hostile{c.n}"},
        (
            Arg("src", as_is("src"), (ReadBack(
                lambda c, v, k: c.sandbox.read(f"/etc/apt/sources.list.d/{k['filename']}.list"),
                expected=lambda v, c, k: f"{v}\n", what="sources file"),)),
            Arg("src", lambda v, c: {"src": f"deb https://example.org/{c.n}/{v} stable main"},
                (ReadBack(
                    lambda c, v, k: c.sandbox.read(
                        f"/etc/apt/sources.list.d/{k['filename']}.list"),
                    expected=lambda v, c, k: f"{k['src']}\n", what="sources file"),),
                label="src-url-path"),
            Arg("filename", as_is("filename"), (ReadBack(
                lambda c, v, k: k["src"] in (c.sandbox.read(
                    f"/etc/apt/sources.list.d/{v.removesuffix('.list')}.list") or "").split("\n"),
                expected=lambda v, c, k: True, what="the line in the sources file"),), **NAME),
        ),
    ),
    Case(
        "apt.key", lambda c: {"src": c.at("key.asc"), "dest": c.at("k.gpg")},
        (
            Arg("src", under_dir("src"), (Argv(("gpg",)),),
                setup=lambda c, v: c.sandbox.write(c.at(v), ARMORED)
                if v not in (".", "..") else None, **NAME),
            Arg("src", lambda v, c: {"src": f"https://example.org/{v}"}, (Argv(("curl",)),),
                label="src-url"),
            Arg("keyserver", as_is("keyserver"), (Argv(("gpg",)),),
                extra={"src": None, "keyid": "0123456789ABCDEF"}),
            Arg("keyid", as_is("keyid"), extra={"src": None, "keyserver": "hkp://example.org"}),
            Arg("dest", under_dir("dest"), (Argv(("gpg",), forms=lambda v: [
                _keyring_name(v)]),), **NAME),
            Arg("dest", as_is("dest"), label="dest-relative"),
        ),
        setup=lambda c: c.sandbox.write(c.at("key.asc"), ARMORED),
    ),
    Case(
        "apt.deb", lambda c: {"src": c.at("p.deb")},
        (
            Arg("src", under_dir("src"), (Argv(("dpkg",)),), **NAME),
            Arg("src", as_is("src"), (Argv(("dpkg", "curl")),), label="src-any"),
        ),
    ),
    *_rpm_case("dnf"),
    *_rpm_case("yum"),
    Case("dnf.update", lambda c: {}, ()),
    Case("yum.update", lambda c: {}, ()),
    _packages("brew.packages", "brew"),
    Case("brew.casks", lambda c: {"casks": ["hello"]},
         (Arg("casks", in_list("casks"), (Argv(("brew",)),)),)),
    Case(
        "brew.tap", lambda c: {"src": "hostile/tap"},
        (
            Arg("src", as_is("src"), (Argv(("brew",)),)),
            Arg("src", lambda v, c: {"src": f"hostile/{v}"}, (Argv(("brew",)),),
                label="src-repo"),
            Arg("url", as_is("url"), (Argv(("brew",)),)),
            Arg("url", lambda v, c: {"src": None, "url": f"https://example.org/user/{v}"},
                (Argv(("brew",)),), label="url-path"),
        ),
    ),
    Case("brew.update", lambda c: {}, ()),
    Case("brew.upgrade", lambda c: {}, ()),
    Case("brew.cask_upgrade", lambda c: {}, ()),
    _packages("gem.packages", "gem"),
    Case(
        "npm.packages", lambda c: {"packages": ["hello"]},
        (
            Arg("packages", in_list("packages"), (Argv(("npm",)),)),
            Arg("directory", under_dir("directory"),
                setup=lambda c, v: c.sandbox.path(c.at(v)).mkdir(parents=True)
                if v not in (".", "..") else None, **NAME),
        ),
    ),
    _packages("pacman.packages", "pacman"),
    Case("pacman.update", lambda c: {}, ()),
    Case("pacman.upgrade", lambda c: {}, ()),
    Case(
        "pip.packages", lambda c: {"packages": ["hello"]},
        (
            Arg("packages", in_list("packages"), (Argv(("pip",)),)),
            Arg("packages", lambda v, c: {"packages": [f"hello @ https://example.org/{v}"]},
                (Argv(("pip",), forms=lambda v: [v.strip()]),), label="packages-url"),
            Arg("requirements", as_is("requirements"), (Argv(("pip",)),),
                extra={"packages": None}),
            Arg("virtualenv", under_dir("virtualenv"), (Argv(("virtualenv", "pip")),),
                **NAME),
        ),
        exempt={"pip": "the pip command as shell text, by design (\"python3 -m pip\")",
                "extra_install_args": EXTRA_ARGS,
                "virtualenv_kwargs": "pip.virtualenv's arguments (fuzzed there)"},
    ),
    *(Case(
        op, lambda c, extra=extra: {"path": c.at("venv"), "python": "hpython", **extra},
        (
            Arg("path", under_dir("path"), (Argv(("hpython", "virtualenv")),), **NAME),
            Arg("python", as_is("python")),
        ),
    ) for op, extra in (("pip.venv", {}), ("pip.virtualenv", {"venv": True}))),
    Case("pip.virtualenv", lambda c: {"path": c.at("venv"), "python": "hpython"},
         (Arg("python", as_is("python"), (Argv(("virtualenv",)),), label="python-virtualenv"),
          Arg("path", under_dir("path"), (Argv(("virtualenv",)),),
              label="path-virtualenv", **NAME))),
    Case("pipx.packages", lambda c: {"packages": ["hello"]},
         (Arg("packages", in_list("packages"), (Argv(("pipx",)),)),),
         exempt={"extra_args": EXTRA_ARGS}),
    Case("pipx.upgrade_all", lambda c: {}, ()),
    Case("pipx.ensure_path", lambda c: {}, ()),
]


def _keyring_name(value: str) -> str:
    name = value.removesuffix(".asc")
    return name if name.endswith(".gpg") else f"{name}.gpg"
