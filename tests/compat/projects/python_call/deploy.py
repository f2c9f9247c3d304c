from pathlib import Path

from pyinfra import host
from pyinfra.facts.server import LinuxDistribution
from pyinfra.operations import files, python, server

marker = files.file(name="Marker", path="/srv/marker", mode="644")
version = server.shell(name="Read version", commands=["cat /etc/debian_version"])


def record(label, suffix=""):
    """Runs on the controller once the operations before it ran on the host."""
    distro = host.get_fact(LinuxDistribution)
    changed = "changed" if marker.did_change() else "unchanged"
    results = Path("results")
    results.mkdir(exist_ok=True)
    line = f"{label}{suffix} {distro['name']} {version.stdout.strip()} marker {changed}\n"
    with open(results / f"{host.name}.txt", "a") as out:
        out.write(line)


python.call(name="Record", function=record, label=host.data.get("label", "first"),
            suffix="!")
python.raise_exception(name="Never raised", exception=RuntimeError, _if=lambda: False)
