"""pyinfra's exceptions raised by deploy code: a ``DeployError`` (any ``PyinfraError``)
fails that host and the others go on; any other exception is bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corral import api, host
from corral.api.exceptions import DeployError
from corral.model.errors import BadInput
from corral.model.results import HostStatus
from corral.operations import files

# a second host on this machine: @chroot// (chroot into /) needs root
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="@chroot needs root")


def test_deploy_error_fails_its_host_only(tmp_path: Path) -> None:
    marker = tmp_path / "marker"

    def deploy() -> None:
        files.directory(path=str(tmp_path / f"before-{len(host.name)}"))
        if host.name == "@local":
            raise DeployError("neither apt nor yum here")
        files.file(path=str(marker))

    result = api.run("@local,@chroot//", deploy)
    local, chroot = result.hosts
    assert (local.status, local.error) == (HostStatus.FAILED, "neither apt nor yum here")
    assert chroot.status is HostStatus.CHANGED and marker.exists()
    assert result.exit_code == 1
    assert not (tmp_path / "before-6").exists()  # @local's pending operation never ran


def test_another_exception_is_bad_input_and_nothing_changes(tmp_path: Path) -> None:
    def deploy() -> None:
        files.file(path=str(tmp_path / "x"))
        if host.name == "@local":
            raise LookupError("no such role")

    with pytest.raises(BadInput, match="LookupError: no such role"):
        api.run("@local,@chroot//", deploy)
    assert not (tmp_path / "x").exists()
