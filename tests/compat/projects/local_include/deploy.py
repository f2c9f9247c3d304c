from pyinfra import host, local

local.include("tasks/base.py")

if host.data.get("is_web"):
    # the data is a default layer under the inventory's data while the file runs
    local.include("tasks/web.py", data={"site": "www.example.org", "docroot": "/srv/inc/www"})
