servers = [
    ("web1", _FLEET["web1"]),
    ("web2", {**_FLEET["web2"], "_env": {"APP_MODE": "staging"}}),
]
