"""htmlfile transport: a never-ending page of ``<script>`` calls into the
parent's callback (protocol, "HtmlFile")."""

from __future__ import annotations

from webob import Request, Response

from ...core import framing
from ...core.session import Session
from .http import HTML, callback_name, receiver_response


def htmlfile(request: Request, session: Session) -> Response:
    name = callback_name(request)
    return receiver_response(
        request,
        session,
        HTML,
        framing.htmlfile,
        streaming=True,
        prelude=framing.htmlfile_prelude(name),
    )
