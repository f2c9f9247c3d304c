from pyinfra import host, local
from pyinfra.operations import files, server

server.user(name="App user", user=host.data.app_name, home=host.data.app_dir,
            shell="/bin/sh")
files.directory(name="App directory", path=host.data.app_dir, user=host.data.app_name,
                group=host.data.app_name, mode="755")

if host.data.get("is_database"):
    local.include("tasks/database.py")

if host.data.get("is_web"):
    local.include("tasks/web.py")
