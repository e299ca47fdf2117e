"""What the WSGI factory hands the Plone side: the secret tokens are signed with,
and the longest name the chat takes (its ``max_name``; longer ones it cuts)."""

TOKEN_SECRET = ""
MAX_NAME = 40
#: Where the site asks the chat (piratechat/plone/topic_rooms.py): a path on this
#: same server, or the chat's own address when it runs in processes of its own.
CHAT_URL = "/chat"
