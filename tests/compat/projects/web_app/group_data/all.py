_sudo = True
app_dir = "/opt/shop"
