"""Views of the chat page."""

from pyramid.view import view_config


@view_config(route_name="home", renderer="piratechat.web:templates/app.pt")
def home(request):
    chat = request.registry["piratechat.chat"]
    return {"max_line": chat.settings.max_line}
