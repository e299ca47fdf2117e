"""A translator on the other end of HTTP, shaped like the old arrpi service.

The service is asked ``GET <url>?text=<the line>`` and answers the
translation as the body (UTF-8 text, status 200). Each line said waits for
it, so everything that can go wrong is bounded, and every failure raises
TranslatorUnavailable, which makes the chat's guard fall back to the local
pirate and mark the line (see translators/guard.py):

* connecting takes at most ``connect_timeout`` seconds and each read at
  most ``read_timeout``; the whole call at most their sum, enforced twice:
  between reads by the clock (a server dripping one byte at a time), and by
  a gevent.Timeout for anything that blocks in between;
* at most ``max_calls`` calls are in flight in this process; one more does
  not queue behind a slow service, it falls back at once;
* an answer that is not status 200, over ``max_bytes``, not text in its
  charset, blank, or a whole HTML page (a proxy's error page) is garbage.

It runs on gevent: with the server monkey-patched (``piratechat serve``,
gunicorn's gevent worker) urllib3's sockets are gevent's, so a call waiting
on the service lets every other connection go on. No retries: the fallback
is the retry, and it is immediate.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import gevent
import urllib3
from gevent.lock import BoundedSemaphore
from zope.interface import implementer

from ..interfaces import ITranslator, TranslatorUnavailable

__all__ = ["RemoteTranslator"]

log = logging.getLogger(__name__)

_HTML_STARTS = ("<!doctype", "<html", "<head", "<body")


@implementer(ITranslator)
class RemoteTranslator:
    """Asks an arrpi-shaped web service; raises TranslatorUnavailable when it can't."""

    name = "remote"
    title = "Remote service"

    def __init__(
        self,
        url: str,
        connect_timeout: float = 1.0,
        read_timeout: float = 2.0,
        max_calls: int = 16,
        max_bytes: int = 64 * 1024,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the remote translator's URL must be http(s): {url!r}")
        self.url = url
        self.deadline = connect_timeout + read_timeout
        self.max_bytes = max_bytes
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._calls = BoundedSemaphore(max_calls)
        # One pooled connection per call that may be in flight; never more.
        self._http = urllib3.PoolManager(num_pools=4, maxsize=max_calls, retries=False)

    def translate(self, text: str) -> str:
        if not self._calls.acquire(blocking=False):
            raise TranslatorUnavailable("busy: every allowed call is in flight")
        try:
            with gevent.Timeout(self.deadline, TranslatorUnavailable("no answer in time")):
                return self._ask(text)
        finally:
            self._calls.release()

    def _ask(self, text: str) -> str:
        started = time.monotonic()
        separator = "&" if "?" in self.url else "?"
        try:
            response = self._http.request(
                "GET",
                self.url + separator + urlencode({"text": text}),
                timeout=self._timeout,
                redirect=False,
                preload_content=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise TranslatorUnavailable(f"cannot ask the service: {error}") from None
        try:
            if response.status != 200:
                raise TranslatorUnavailable(f"the service answered HTTP {response.status}")
            body = bytearray()
            # read1: whatever has arrived, so the clock is checked between reads
            # (read(n) would wait for all n bytes, each read within the timeout).
            while chunk := response.read1(8192):
                body += chunk
                if len(body) > self.max_bytes:
                    raise TranslatorUnavailable(f"answer over {self.max_bytes} bytes")
                if time.monotonic() - started > self.deadline:
                    raise TranslatorUnavailable("answer too slow")
        except (urllib3.exceptions.HTTPError, OSError) as error:
            response.close()
            raise TranslatorUnavailable(f"answer cut: {error}") from None
        except BaseException:
            response.close()  # half read: never hand this connection back to the pool
            raise
        response.release_conn()
        return _text_of(bytes(body), response.headers.get("Content-Type", ""), text)


def _text_of(body: bytes, content_type: str, asked: str) -> str:
    """The translation in ``body``, or TranslatorUnavailable if it is garbage."""
    charset = "utf-8"
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"').lower()
    try:
        answer = body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise TranslatorUnavailable(f"answer is not {charset} text") from None
    if "\x00" in answer:
        raise TranslatorUnavailable("answer holds NUL characters")
    if not asked.endswith("\n"):
        answer = answer.rstrip("\r\n")
    if asked.strip() and not answer.strip():
        raise TranslatorUnavailable("blank answer")
    if answer.lstrip()[:9].lower().startswith(_HTML_STARTS):
        raise TranslatorUnavailable("answer is an HTML page")
    return answer
