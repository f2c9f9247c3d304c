web = [("web1", _FLEET["web1"]), ("web2", _FLEET["web2"])]
db = [("db1", {**_FLEET["db1"], "replicas": 2})]
