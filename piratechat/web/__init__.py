"""The page people chat on, and its static files."""


def includeme(config):
    config.add_static_view("static", "piratechat.web:static", cache_max_age=3600)
    config.add_route("home", "/")
    config.scan(".views")
