# One group tuple named "inventory": the hosts with their roles, and what they share.
inventory = (
    [
        ("web1", {**_FLEET["web1"], "is_web": True, "app_port": 8000}),
        ("web2", {**_FLEET["web2"], "is_web": True, "app_port": 8001}),
        ("db1", {**_FLEET["db1"], "is_database": True}),
    ],
    {"ssh_user": "corral", "app_name": "shop"},
)
