"""``@podman/ID``: a Podman container on this machine, as ``@docker`` (same host data,
``docker_identifier`` included, as pyinfra's). The ``podman`` command on ``PATH`` runs as
its configuration says (``containers.conf``, ``CONTAINERS_CONF``...)."""

from __future__ import annotations

from .docker import DockerConnector


class PodmanConnector(DockerConnector):
    name = "podman"
    engine = "podman"
