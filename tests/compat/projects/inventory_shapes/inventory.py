# Groups written as (hosts, data) tuples, with and without parentheses, hosts as (name, data)
# tuples inside them, and a plain list naming hosts defined above.
web = (
    [
        ("web1", {**_FLEET["web1"], "weight": 1}),
        ("web2", {**_FLEET["web2"], "weight": 2, "greeting": "hi from web2"}),
    ],
    {"is_web": True, "greeting": "hello web", "listen": 80},
)

db = [("db1", {**_FLEET["db1"], "ssh_known_hosts_file": "/dev/null",
               "ssh_strict_host_key_checking": "off"})], {"is_db": True, "listen": 5432}

app = ["web2", "db1"]
