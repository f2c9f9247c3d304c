"""Engine tests run real shells on this machine: ``@testlocal/NAME`` hosts are each a
separate local ``sh`` process, so several hosts can run at once without a fleet."""

from __future__ import annotations

from corral.connectors.local import ProcessConnector


class TestLocalConnector(ProcessConnector):
    name = "testlocal"
