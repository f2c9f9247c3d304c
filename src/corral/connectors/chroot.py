"""``@chroot/PATH``: a root file system on this machine, entered as root with chroot(8)."""

from __future__ import annotations

import os

from corral.model.errors import BadInput, ConnectError

from .local import ProcessConnector


class ChrootConnector(ProcessConnector):
    name = "chroot"

    def argv(self) -> list[str]:
        return ["chroot", self.host.target, "/bin/sh"]

    async def connect(self) -> None:
        root = self.host.target
        if not root:
            raise BadInput("@chroot needs a path: @chroot/PATH", host=self.host.name)
        if not os.path.isfile(os.path.join(root, "bin/sh")):
            raise ConnectError(f"{root} holds no root file system (no /bin/sh)")
        await super().connect()
