from pyinfra import host, local
from pyinfra.operations import files

files.directory(name="Document root", path=host.data.docroot, mode="755")

# "./" is the including file's directory; an include's data replaces the outer one's
local.include("./vhost.py", data={"site": host.data.site, "docroot": host.data.docroot})
