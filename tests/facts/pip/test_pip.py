"""pip.PipPackages, Pip3Packages and pipx.* facts on output captured in the test image with
python3-pip and pipx from its local repository and a wheel built by the capture script."""

from __future__ import annotations

from corral.facts import pip, pipx

from .._pkg_data import captured


def test_venv_pip() -> None:
    assert captured("pip_venv", pip.PipPackages) == {
        "corral_demo": {"1.0"}, "pip": {"23.0.1"}, "setuptools": {"66.1.1"}}
    assert pip.PipPackages().command(pip="/srv/venv/bin/pip") == \
        "/srv/venv/bin/pip freeze --all 2>/dev/null"


def test_system_pip3() -> None:
    found = captured("pip3_system", pip.Pip3Packages)
    assert found["pip"] == {"23.0.1"}
    assert pip.Pip3Packages().command() == "pip3 freeze --all 2>/dev/null"
    skipped = ["-e git+https://x/y.git@abc#egg=y", "z @ file:///srv/z.whl", "ok==1.0"]
    assert pip.PipPackages().process(skipped) == {"ok": {"1.0"}}


def test_pipx() -> None:
    assert captured("pipx_packages", pipx.PipxPackages) == {"corral-demo": {"1.0"}}
    env = captured("pipx_environment", pipx.PipxEnvironment)
    assert env["PIPX_BIN_DIR"] == "/root/.local/bin"
    assert env["PIPX_HOME"] == "/root/.local/pipx"
    assert "Only PIPX_HOME" not in "".join(env)
    assert captured("pipx_bin_dir_in_path", pipx.PipxBinDirInPath) is False
    assert pipx.PipxBinDirInPath().process(["yes"]) is True
