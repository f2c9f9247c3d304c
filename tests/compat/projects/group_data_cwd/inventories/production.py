# The inventory lives in a subdirectory; group data is read from the working directory's
# group_data/ first, then from inventories/group_data/.
web = [("web1", _FLEET["web1"]), ("web2", _FLEET["web2"])]
db = [("db1", _FLEET["db1"])]
