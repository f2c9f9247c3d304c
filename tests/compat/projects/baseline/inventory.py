# Two web servers and a database, each with its own data.
web = [
    ("web1", {**_FLEET["web1"], "port": 8081}),
    ("web2", {**_FLEET["web2"], "port": 8082}),
]
db = [("db1", {**_FLEET["db1"], "port": 5432})]
