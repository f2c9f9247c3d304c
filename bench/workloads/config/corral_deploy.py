"""The `config` workload for corral: pyinfra_deploy.py with its imports changed from
`pyinfra` to `corral`, nothing else."""

from corral import host
from corral.facts.files import File
from corral.operations import apt, files, server

MARKER = "/var/lib/bench/initialised"
DIRS = {"a": "750", "b": "755", "c": "700", "d": "2775", "e": "751"}

server.group(name="bench group", group="bench")
server.user(name="bench user", user="bench", group="bench", home="/home/bench",
            shell="/bin/sh")
for d, mode in DIRS.items():
    files.directory(name=f"directory {d}", path=f"/srv/bench/{d}", user="bench",
                    group="bench", mode=mode)
for i, d in enumerate(DIRS, start=1):
    files.put(name=f"file {i}", src=f"files/file{i}.txt", dest=f"/srv/bench/{d}/file{i}.txt",
              user="bench", group="bench", mode="640")
params = {"bench_name": host.data.bench_name, "bench_port": host.data.bench_port,
          "bench_workers": host.data.bench_workers}
files.template(name="app.conf", src="templates/app.conf.j2", dest="/srv/bench/a/app.conf",
               user="bench", group="bench", mode="640", **params)
files.template(name="motd", src="templates/motd.j2", dest="/etc/motd", mode="644", **params)
for line in ("BENCH=1", "LOG_LEVEL=info", f"PORT={host.data.bench_port}"):
    files.line(name=f"line {line.split('=')[0]}", path="/etc/bench.env", line=line)
files.put(name="sysctl drop-in", src="files/90-bench.conf", dest="/etc/sysctl.d/90-bench.conf",
          mode="644")
apt.packages(name="installed package", packages=["openssh-server"])
files.link(name="symlink", path="/srv/bench/current", target="/srv/bench/a")
if not host.get_fact(File, path=MARKER):
    server.shell(name="guarded command",
                 commands=[f"mkdir -p /var/lib/bench && hostname > {MARKER}"])
