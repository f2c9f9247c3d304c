app = [("app1", {**_FLEET["app1"], "port": 8001}), ("app2", {**_FLEET["app2"], "port": 8002})]
