"""``@podmanssh/HOST:IMAGE``: a Podman container on a remote host reached over SSH, as
``@dockerssh`` (same host data, as pyinfra's)."""

from __future__ import annotations

from .dockerssh import DockerSSHConnector


class PodmanSSHConnector(DockerSSHConnector):
    name = "podmanssh"
    engine = "podman"
