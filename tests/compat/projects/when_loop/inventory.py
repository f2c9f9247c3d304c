hosts = [
    ("web1", {**_FLEET["web1"], "sites": ["alpha", "beta"], "extra": True}),
    ("web2", {**_FLEET["web2"], "sites": ["gamma"]}),
]
