ssh_user = "corral"
