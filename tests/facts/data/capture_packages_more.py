"""Re-capture the outputs of the uv, cargo, go, flatpak and apt-list facts stored next to
this script (root, Debian 12; ``pkg_<name>.json`` as capture_packages.py writes them).

    .venv/bin/python tests/facts/data/capture_packages_more.py

Everything runs on this machine under a throw-away HOME:

- uv: the ``uv`` wheel from the package index in a virtualenv of its own; a virtualenv
  (``uv pip list``), a tool installed offline from a wheel built here (``uv tool list``).
- cargo: a crate made here, installed with ``cargo install --path`` (offline).
- go: Debian's ``golang-go``; a module served from a file-system GOPROXY made here, so
  ``go install example.com/corral/hello@v1.2.0`` records a real version.
- flatpak: Debian's ``flatpak`` (nothing installed: no remote is reachable here).
- apt: ``apt list --installed`` on this machine.

snap, zypper, xbps, pkg, pkgin, opkg, choco, brew trust and dnf modules have no tool that
runs here: their tests use the tools' documented output.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from corral.facts import apt, cargo, flatpak, go, uv
from corral.model.facts import FactBase

sys.path.insert(0, str(Path(__file__).parent))
from capture_packages import demo_wheel

HERE = Path(__file__).parent
WORK = Path("/tmp/corral-pkg-capture-more")
HOME = WORK / "home"
GOMOD = "example.com/corral/hello"


def sh(command: str, env: dict[str, str]) -> tuple[int, list[str]]:
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env,
                          cwd=WORK)
    return done.returncode, done.stdout.splitlines()


def setup() -> dict[str, str]:
    shutil.rmtree(WORK, ignore_errors=True)
    (HOME / "wheels").mkdir(parents=True)
    env = {"PATH": f"{WORK}/uvenv/bin:{HOME}/.cargo/bin:/root/.cargo/bin:/usr/bin:/bin",
           "HOME": str(HOME), "UV_NO_CACHE": "1", "GOPATH": str(HOME / "go"),
           "GOPROXY": f"file://{WORK}/proxy", "GOSUMDB": "off", "GOFLAGS": "-mod=mod",
           "CARGO_HOME": str(HOME / ".cargo"), "RUSTUP_HOME": "/root/.rustup",
           "LC_ALL": "C"}
    subprocess.run([sys.executable, "-m", "venv", str(WORK / "uvenv")], check=True)
    subprocess.run([str(WORK / "uvenv/bin/pip"), "install", "-q", "uv"], check=True)
    name, data = demo_wheel()
    (HOME / "wheels" / name).write_bytes(data)
    steps = [
        "uv venv --offline -q .venv",
        f"VIRTUAL_ENV={WORK}/.venv uv pip install -q --offline --no-index "
        f"--find-links {HOME}/wheels corral_demo",
        f"uv tool install --offline --no-index --find-links {HOME}/wheels corral_demo",
        "cargo new -q --bin corral-crate && cargo install -q --offline --path corral-crate",
    ]
    for step in steps:
        subprocess.run(["sh", "-c", step], check=True, env=env, cwd=WORK)
    # a file-system module proxy holding example.com/corral/hello v1.2.0
    base = WORK / "proxy" / GOMOD / "@v"
    base.mkdir(parents=True)
    (base / "list").write_text("v1.2.0\n")
    (base / "v1.2.0.info").write_text('{"Version":"v1.2.0","Time":"2024-01-01T00:00:00Z"}')
    (base / "v1.2.0.mod").write_text(f"module {GOMOD}\n\ngo 1.19\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{GOMOD}@v1.2.0/go.mod", f"module {GOMOD}\n\ngo 1.19\n")
        zf.writestr(f"{GOMOD}@v1.2.0/main.go",
                    'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n')
    (base / "v1.2.0.zip").write_bytes(buf.getvalue())
    subprocess.run(["sh", "-c", f"go install {GOMOD}@v1.2.0"], check=True, env=env, cwd=WORK)
    return env


CAPTURES: list[tuple[str, type[FactBase[Any]], dict[str, Any]]] = [
    ("uv_pip_packages", uv.UvPipPackages, {}),
    ("uv_tools", uv.UvTools, {}),
    ("uv_python_dir", uv.UvPythonDir, {}),
    ("uv_tool_dir", uv.UvToolDir, {}),
    ("uv_version", uv.UvVersion, {}),
    ("uv_installed_managed", uv.UvInstalledPythonsByVersion, {"is_managed": True}),
    ("uv_installed_all", uv.UvInstalledPythonsByImplementation, {"is_managed": False}),
    ("cargo_packages", cargo.CargoPackages, {}),
    ("go_packages", go.GoPackages, {}),
    ("flatpak_packages", flatpak.FlatpakPackages, {}),
    ("flatpak_package_missing", flatpak.FlatpakPackage, {"package": "org.example.Nothing"}),
    ("apt_packages", apt.AptPackages, {}),
]


def main() -> int:
    env = setup()
    for name, cls, kwargs in CAPTURES:
        command = cls().command(**kwargs)
        code, output = sh(command, {**env, "VIRTUAL_ENV": str(WORK / ".venv")})
        if name == "apt_packages":  # thousands of lines: the first ones are enough
            output = output[:40]
        record = {"fact": cls.name, "kwargs": kwargs, "where": "host", "command": command,
                  "exit": code, "output": output}
        (HERE / f"pkg_{name}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(name, code, len(output))
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    raise SystemExit(main())
