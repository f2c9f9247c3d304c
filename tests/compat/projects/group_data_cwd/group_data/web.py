from naming import title

role = title("web server")
listen = 80
workers = 4
