from io import StringIO

from pyinfra import host, inventory, logger, state
from pyinfra.api.exceptions import DeployError, NoGroupError, NoHostError, PyinfraError
from pyinfra.context import host as context_host
from pyinfra.facts.server import KernelVersion, LinuxName, OsVersion, User
from pyinfra.operations import files

from helpers import label

lines = [
    f"label: {label(host)}",
    f"context host: {context_host.name == host.name}",
    f"linux: {host.get_fact(LinuxName)}",
    f"os version: {host.get_fact(OsVersion)}",
    f"kernel known: {bool(host.get_fact(KernelVersion))}",
    f"login user: {host.get_fact(User)}",
    f"db replicas: {inventory.get_host('db1').data.replicas}",
    f"web hosts: {sorted(h.name for h in inventory.get_group('web'))}",
    f"missing group: {inventory.get_group('cache', default=[])}",
    f"missing host: {inventory.get_host('cache1', default=None)}",
    f"working directory known: {bool(state.cwd)}",
]
try:
    inventory.get_host("cache1")
except NoHostError:
    lines.append("no host cache1")
try:
    inventory.get_group("cache")
except NoGroupError:
    lines.append("no group cache")
try:
    raise DeployError("stopped on purpose")
except PyinfraError as exc:
    lines.append(f"caught {type(exc).__name__}: {exc}")

logger.info("writing the report")
files.directory(name="Directory", path="/srv/api", mode="755")
files.put(name="Report", src=StringIO("\n".join(lines) + "\n"), dest="/srv/api/report",
          mode="644")
