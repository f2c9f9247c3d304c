from io import StringIO

from pyinfra import host
from pyinfra.operations import files, server

server.group(name="App group", group="app")
server.user(name="App user", user="app", group="app", home="/srv/app", shell="/bin/sh")

files.directory(name="App directory", path="/srv/app/etc", user="app", group="app",
                mode="750")

config = files.template(
    name="App config",
    src="templates/app.conf.j2",
    dest="/srv/app/etc/app.conf",
    mode="640",
    role="web" if "web" in host.groups else "db",
)

files.put(name="Motd", src=StringIO(f"Welcome to {host.name}\n"), dest="/etc/motd.d/app",
          mode="644")

files.line(name="Hosts line", path="/srv/app/etc/hosts", line=f"127.0.0.1 {host.name}")

files.link(name="Current link", path="/srv/app/current", target="/srv/app/etc")

if config.changed:
    server.shell(name="Restart log", commands=["echo restarted >> /srv/app/restarts"])

