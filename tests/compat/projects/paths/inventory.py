hosts = [("web1", {**_FLEET["web1"], "port": 8080}), ("web2", {**_FLEET["web2"], "port": 9090})]
