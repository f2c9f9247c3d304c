# beside the inventory: overrides the working directory's web.py key by key
listen = 8080
