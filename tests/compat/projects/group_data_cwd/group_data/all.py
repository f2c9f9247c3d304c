packages = ["hello"]
motd = "managed by the deploy"
listen = 1
