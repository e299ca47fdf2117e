"""PirateChat's Plone side: the forums (Forum, Topic), the member's chat token,
the lobby viewlet, the site's setup, and the WSGI factory that puts Plone at
``/`` of the process that serves the chat at ``/chat`` (plone.ini).

Only ``make run-plone`` and the Plone tests import this package: the plain chat
(``make run``) never does, so it needs nothing of Plone's."""
