# Log in as an ordinary user; every operation and fact goes through sudo.
ssh_user = "corral"
_sudo = True
