hosts = [
    ("web1", {**_FLEET["web1"], "rsync_enable": "true"}),
    ("web2", {**_FLEET["web2"], "rsync_enable": "false"}),
]
