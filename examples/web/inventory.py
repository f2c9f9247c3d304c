# Each module-level list is a group; a host may be a (name, data) pair.
# The demo (scripts/demo) sets CORRAL_FLEET_DIR to a running test fleet: its hosts are
# real OpenSSH servers on loopback addresses. Without it, CORRAL_DEMO_TARGETS may name
# targets such as "@local" or "@chroot/PATH" (comma separated).
import os
import runpy

_fleet = os.environ.get("CORRAL_FLEET_DIR")
if _fleet:
    _hosts = runpy.run_path(os.path.join(_fleet, "inventory.py"))["hosts"]
else:
    _targets = os.environ.get("CORRAL_DEMO_TARGETS", "@local").split(",")
    _hosts = [(target, {}) for target in _targets]

web = [(name, {**data, "app_port": 8000 + i}) for i, (name, data) in enumerate(_hosts)]
