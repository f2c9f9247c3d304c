hosts = [("web1", _FLEET["web1"]), ("web2", {**_FLEET["web2"], "app_port": 9000})]
