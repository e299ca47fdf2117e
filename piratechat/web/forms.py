"""The one place a page's form is read: its fields as text, or BadForm (a 400).

WebOb's ``request.POST`` raises on a multipart body without its boundary
(ValueError) or with a charset other than UTF-8 (DeprecationWarning, an
exception there) or a part's charset Python does not know (LookupError),
gives a file where text was expected, and quietly turns
bytes that are not UTF-8 into U+FFFD. Each of those is the client's mistake
and gets its own sentence here instead of a 500 or a name nobody typed.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from webob.multidict import MultiDict

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class BadForm(ValueError):
    """A form the chat cannot read: the reason, one sentence for the client."""


def form_fields(request) -> MultiDict:
    """The text fields of the request's form (empty if it sends none)."""
    content_type = request.content_type
    if content_type not in ("", URLENCODED, MULTIPART):
        return MultiDict()
    if request.charset != "UTF-8":  # WebOb names UTF-8 so, whatever the spelling, or none
        raise BadForm("Forms must be sent in UTF-8.")
    body = request.body
    if content_type != MULTIPART:
        return _urlencoded(body)
    try:
        body.decode("utf-8")  # a page's forms hold text only: all of it UTF-8
        fields = request.POST
    except UnicodeDecodeError:
        raise BadForm("The form is not valid UTF-8.") from None
    except LookupError:  # a part's own charset, unknown to Python
        raise BadForm("Forms must be sent in UTF-8.") from None
    except ValueError:
        raise BadForm("The form's multipart body is malformed (is its boundary missing?)."
                      ) from None
    if any(not isinstance(value, str) for value in fields.values()):
        raise BadForm("This form takes text, not files.")
    return fields


def _urlencoded(body: bytes) -> MultiDict:
    try:
        return MultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                   encoding="utf-8", errors="strict"))
    except UnicodeDecodeError:  # the raw bytes, or what their %-escapes stand for
        raise BadForm("The form is not valid UTF-8.") from None
