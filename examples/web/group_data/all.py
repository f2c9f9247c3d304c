app_user = "app"
app_dir = "/srv/app"
