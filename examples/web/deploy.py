"""Example deploy: an app user, its directories and configuration, and a package."""

from corral import host
from corral.facts.server import LinuxDistribution
from corral.operations import apt, files, server

app_dir = host.data.app_dir

server.group(name="App group", group="app")
server.user(name="App user", user=host.data.app_user, group="app",
            home=f"/home/{host.data.app_user}", shell="/bin/sh")
for sub in ("", "/releases", "/shared", "/logs"):
    files.directory(name=f"Directory {app_dir}{sub}", path=f"{app_dir}{sub}",
                    user="app", group="app", mode="750")
files.put(name="Message of the day", src="files/motd", dest="/etc/motd", mode="644")
files.template(name="App configuration", src="templates/app.conf.j2",
               dest=f"{app_dir}/shared/app.conf", user="app", group="app", mode="640",
               greeting="hello")
files.line(name="Log level", path=f"{app_dir}/shared/env", line="LOG_LEVEL=info")
files.link(name="Current release", path=f"{app_dir}/current", target=f"{app_dir}/releases")
files.file(name="Log file", path=f"{app_dir}/logs/app.log", user="app", group="app",
           mode="640")
files.replace(name="Hush login banner", path="/etc/motd", text="Welcome.", replace="Hello.",
              _if=lambda: False)

if host.get_fact(LinuxDistribution)["name"] == "Debian":
    apt.packages(name="Install hello", packages=["hello"], update=True, cache_time=3600)
