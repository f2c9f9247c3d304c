# the inventory file's name is a group of every host in it
environment = "production"
