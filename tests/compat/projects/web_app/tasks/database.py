from io import StringIO

from pyinfra import host
from pyinfra.operations import files

files.directory(name="Data directory", path=f"{host.data.app_dir}/data",
                user=host.data.app_name, group=host.data.app_name, mode="700")
files.put(name="Database settings", src=StringIO("max_connections = 20\n"),
          dest=f"{host.data.app_dir}/db.conf", mode="640")
