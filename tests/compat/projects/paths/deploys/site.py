# Run from the project's root: `pyinfra inventory.py deploys/site.py`. Relative sources are
# the working directory's.
import importlib.resources
from pathlib import Path

from pyinfra import host
from pyinfra.operations import files

files.directory(name="Directory", path="/srv/paths", mode="755")
files.put(name="Motd", src="files/motd", dest="/srv/paths/motd", mode="644")
files.template(name="Site", src=Path("templates/site.j2"), dest="/srv/paths/site.conf",
               mode="644", port=host.data.port)
files.put(name="Beside", src=Path(__file__).parent / "local.txt",
          dest="/srv/paths/local.txt", mode="644")
files.put(name="Banner", src=importlib.resources.files("assets") / "banner.txt",
          dest="/srv/paths/banner", mode="644")
