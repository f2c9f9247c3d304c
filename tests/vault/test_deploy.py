"""``from corral import secrets`` in deploys, inventories and group_data, on ``@local``
(every file written is under tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corral.model.secrets import Secret
from corral.vault import secrets

from ._helpers import PASSPHRASE, corral, make_vault, with_passphrase

CANARY = "canary-local-5b1d0e"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    make_vault(tmp_path, {"db_password": CANARY, "user": "app"})
    (tmp_path / "app.j2").write_text("password = {{ password }}\n")
    (tmp_path / "deploy.py").write_text(
        "from corral import host, secrets\n"
        "from corral.operations import files\n"
        f"files.template(src='app.j2', dest={str(tmp_path / 'app.conf')!r}, mode='600',\n"
        "               password=secrets['db_password'])\n"
        f"files.line(path={str(tmp_path / 'users')!r}, line=host.data.vault_user)\n")
    (tmp_path / "group_data").mkdir()
    (tmp_path / "group_data" / "all.py").write_text(
        "from corral import secrets\nvault_user = secrets['user']\n")
    (tmp_path / "inventory.py").write_text("hosts = ['@local']\n")
    return tmp_path


def test_secrets_in_a_deploy_and_in_group_data(site: Path) -> None:
    ran = corral("inventory.py", "deploy.py", "-y", "-vvv", cwd=site, **with_passphrase())
    assert ran.code == 0, ran
    assert (site / "app.conf").read_text() == f"password = {CANARY}\n"
    assert (site / "users").read_text() == "app\n"
    assert CANARY not in ran.out + ran.err


def test_a_deploy_that_reads_no_secret_needs_no_key_nor_vault(tmp_path: Path) -> None:
    (tmp_path / "deploy.py").write_text(
        "from corral import secrets\nfrom corral.operations import files\n"
        f"files.line(path={str(tmp_path / 'x')!r}, line='plain')\n")
    ran = corral("@local", "deploy.py", "-y", cwd=tmp_path)
    assert ran.code == 0, ran


@pytest.mark.parametrize("env, message", [
    ({}, "no key: set CORRAL_VAULT_PASSPHRASE"),
    ({"CORRAL_VAULT_PASSPHRASE": "wrong"}, "wrong passphrase"),
    (with_passphrase(CORRAL_VAULT_FILE="nowhere.vault"), "no vault file nowhere.vault"),
])
def test_vault_errors_in_a_run_are_one_line_exit_4(site: Path, env: dict[str, str],
                                                  message: str) -> None:
    ran = corral("inventory.py", "deploy.py", "-y", cwd=site, **env)
    assert ran.code == 4, ran
    assert message in ran.err and ran.err.count("\n") == 1
    assert not (site / "app.conf").exists()


def test_a_missing_key_names_the_deploy_line(site: Path) -> None:
    (site / "group_data" / "all.py").unlink()
    (site / "deploy.py").write_text(
        "from corral import secrets\nfrom corral.operations import files\n"
        "files.line(path='/tmp/never', line=secrets['db_pasword'])\n")
    ran = corral("@local", "deploy.py", "-y", cwd=site, **with_passphrase())
    assert ran.code == 4, ran
    assert "deploy.py:3" in ran.err and "no key 'db_pasword' in secrets.vault" in ran.err
    assert ran.err.count("\n") == 1


def test_the_vault_option_of_a_run(site: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    other = make_vault(elsewhere, {"db_password": "other-value", "user": "other"})
    (site / "secrets.vault").unlink()
    ran = corral("inventory.py", "deploy.py", "-y", "--vault", other, cwd=site,
                 **with_passphrase())
    assert ran.code == 0, ran
    assert (site / "app.conf").read_text() == "password = other-value\n"


def test_the_python_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_vault(tmp_path, {"token": "tok-abcdef"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CORRAL_VAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CORRAL_VAULT_FILE", raising=False)
    secrets.reload()
    try:
        value = secrets["token"]
        assert isinstance(value, Secret) and value.reveal() == "tok-abcdef"
        assert str(value) == "***" and "tok-abcdef" not in repr(value)
        assert "token" in secrets and secrets.get("nope") is None
        assert secrets.keys() == ["token"]
    finally:
        secrets.reload()


def test_the_python_api_sees_a_changed_file(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from corral.vault.store import Keys, Vault

    path = make_vault(tmp_path, {"token": "first-value"})
    monkeypatch.setenv("CORRAL_VAULT_FILE", str(path))
    monkeypatch.setenv("CORRAL_VAULT_PASSPHRASE", PASSPHRASE)
    secrets.reload()
    try:
        assert secrets["token"].reveal() == "first-value"
        v = Vault.open(path, Keys(passphrase=PASSPHRASE))
        v.set("token", "second-value-longer")
        v.save()
        assert secrets["token"].reveal() == "second-value-longer"
    finally:
        secrets.reload()
