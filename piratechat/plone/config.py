"""What the WSGI factory hands the Plone side: the secret tokens are signed with."""

TOKEN_SECRET = ""
