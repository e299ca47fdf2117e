"""What the WSGI factory hands the Plone side: the secret tokens are signed with,
and the longest name the chat takes (its ``max_name``; longer ones it cuts)."""

TOKEN_SECRET = ""
MAX_NAME = 40
