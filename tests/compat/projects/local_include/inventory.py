web = [
    ("web1", {**_FLEET["web1"], "is_web": True}),
    ("web2", {**_FLEET["web2"], "is_web": True, "site": "www.example.net"}),
]
db = [("db1", _FLEET["db1"])]
