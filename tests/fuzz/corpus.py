"""What the fuzzers send: odd strings, chat messages and raw HTTP requests.

The hypothesis fuzzers (test_chat_protocol.py) draw from ODD_TEXTS; the live
fuzzer (test_http_fuzz.py) builds whole chat messages and HTTP requests from
a ``random.Random``, so a run is replayed from its seed alone.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from urllib.parse import quote

from piratechat.chat.core.tokens import issue

#: Strings that have broken something somewhere: lone surrogates, controls,
#: bidi overrides, limits, paths, other scripts.
ODD_TEXTS = ["", " ", "\ud800", "\x1b[2J", "\u202eCaptain", "lobby", "pirate", "bard",
             "x" * 2001, "../lobby", "日本語", "a\x00b", "Captain\u3164", "\u115fCaptain",
             "é", "\udfff", "\ufeff", "🏴‍☠️", "%ff", "a.b", "\r\n", "null"]

#: Characters of every width in UTF-8, and some that are not characters.
ALPHABET = "aZ09 -_.~!é€日🏴\u0000\u001f\u007f\u0085\u00a0\u200b\u202e\ud800\udfff\ufffe"


def text(rng: random.Random, max_size: int = 12) -> str:
    if rng.random() < 0.3:
        return rng.choice(ODD_TEXTS)
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, max_size)))


def value(rng: random.Random):
    """Any JSON value, mostly strings."""
    kind = rng.randrange(10)
    if kind < 5:
        return text(rng)
    return rng.choice([None, True, False, 0, -1, 2**70, 1.5, float("nan"), [], [1, "a"],
                       {"a": 1}, rng.randint(0, 50)])


def token(rng: random.Random, secret: str, name: str):
    """A member's token: valid, or spoilt in any of the ways a client can spoil one."""
    good = issue(secret, name)
    payload, signature = good.split(".")
    return rng.choice([
        good,
        issue("not the secret", name),
        payload + "." + signature[:-1] + rng.choice("é日\u00ff\ud800Z"),
        payload[:-1] + rng.choice("é日\ud800") + "." + signature,
        text(rng) + "." + text(rng),
        "." + signature,
        good + ".x",
        "a" * 5000,
        value(rng),
    ])


def chat_message(rng: random.Random, room: str, name: str, secret: str):
    """One client message (a dict, or a string that may not even be JSON)."""
    kind = rng.randrange(12)
    if kind < 3:
        message = {"type": "join", "name": name, "room": room}
        if rng.random() < 0.3:
            message["token"] = token(rng, secret, name)
        for field in ("after", "epoch", "presence", "name", "room"):
            if rng.random() < 0.15:
                message[field] = value(rng)
        return message
    if kind < 7:
        message = {"type": "say", "text": rng.choice([text(rng, 40), "Ahoy " + text(rng)])}
        if rng.random() < 0.4:
            message["client_id"] = rng.choice([text(rng), f"c{rng.randrange(5)}", value(rng)])
        return message
    if kind < 9:
        message = {"type": "translator", "name": rng.choice(
            ["pirate", "bard", "none", "yoda", text(rng)])}
        for field in ("key", "lock"):
            if rng.random() < 0.3:
                message[field] = value(rng)
        return message
    if kind < 10:
        return {text(rng, 6): value(rng) for _ in range(rng.randrange(4))}
    if kind < 11:
        return {"type": value(rng)}
    return rng.choice(["", "[", "{", "null", "[]", "1", '"join"', text(rng, 30), "{" * 5000])


def encode_message(message) -> str:
    """The message as the client sends it (JSON; a lone surrogate as an escape)."""
    return message if isinstance(message, str) else json.dumps(message)


# --- HTTP -----------------------------------------------------------------------

METHODS = ["GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "OPTIONS", "PUT", "DELETE",
           "PATCH", "TRACE", "CONNECT", "PROPFIND", "get", "G\xc9T", "X" * 40]
TRANSPORTS = ["xhr", "xhr_send", "xhr_streaming", "eventsource", "htmlfile", "jsonp",
              "jsonp_send", "websocket", "nope"]
SOCKJS_METHODS = {"xhr": "POST", "xhr_send": "POST", "xhr_streaming": "POST", "jsonp_send": "POST",
                  "eventsource": "GET", "htmlfile": "GET", "jsonp": "GET", "websocket": "GET"}
RECEIVERS = {"xhr", "xhr_streaming", "eventsource", "htmlfile", "jsonp"}


@dataclass
class HttpRequest:
    method: str
    target: bytes  # path and query, as sent: not always UTF-8, not always well escaped
    version: str
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def receiver(self) -> bool:
        """A SockJS receiving request: its answer may stream and never end."""
        path = self.target.split(b"?")[0]
        return path.startswith(b"/sockjs/") and path.rsplit(b"/", 1)[-1].decode(
            "latin-1") in RECEIVERS

    def wire(self) -> bytes:
        head = [f"{self.method} ".encode("latin-1") + self.target + f" {self.version}".encode()]
        head += [name + b": " + val for name, val in self.headers]
        return b"\r\n".join(head) + b"\r\n\r\n" + self.body


def _escaped(rng: random.Random) -> str:
    """A path segment or query value: escaped text, escaped bytes, broken escapes."""
    kind = rng.randrange(6)
    if kind == 0:
        return quote(text(rng).encode("utf-8", "surrogatepass"), safe="")
    if kind == 1:
        return "".join(f"%{b:02x}" for b in rng.randbytes(rng.randint(1, 6)))
    if kind == 2:
        return rng.choice(["%", "%z", "%zz", "%ff", "%C0%80", "%ED%A0%80", "%00", "%2F", "%2e%2e",
                           "..", ".", "%u0041", "+", "%25"])
    if kind == 3:
        return rng.choice(["lobby", "deck", "a", "000", "x" * 70, "Room-1"])
    return "".join(rng.choice("abcXYZ019-_") for _ in range(rng.randint(1, 10)))


def _path(rng: random.Random, sessions: list[str]) -> str:
    seg = _escaped(rng)
    session = rng.choice(sessions) if rng.random() < 0.6 else seg
    transport = rng.choice(TRANSPORTS)
    return rng.choice([
        "/", "/rooms/", "/rooms", f"/rooms/{seg}/", "/rooms/lobby/", f"/rooms/{seg}",
        f"/rooms/{seg}/history", "/rooms/lobby/history", f"/rooms/{seg}/{seg}",
        "/static/chat.js", "/static/chat.css", f"/static/{seg}", "/static/vendor/sockjs.min.js",
        "/favicon.ico", "/healthz", "/readyz", "/metrics", f"/{seg}", "//", "/%2e%2e/",
        "/sockjs", "/sockjs/", "/sockjs/info", "/sockjs/iframe.html", f"/sockjs/iframe{seg}.html",
        "/sockjs/websocket", f"/sockjs/000/{session}/{transport}",
        f"/sockjs/{seg}/{session}/{transport}", f"/sockjs/000/{session}/{seg}",
        f"/sockjs/{seg}",
    ])


def _query(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return ""
    names = ["after", "limit", "c", "room", "t", "foo", "", "callback", "after[]"]
    pairs = [f"{_escaped(rng) if rng.random() < 0.2 else rng.choice(names)}="
             f"{rng.choice([_escaped(rng), str(rng.randint(-5, 2000)), 'cb', '_jp.a1', '2e3'])}"
             for _ in range(rng.randint(1, 3))]
    return "?" + "&".join(pairs)


def _multipart(rng: random.Random) -> tuple[bytes, bytes]:
    """A multipart body and its Content-Type, the boundary often wrong or missing."""
    boundary = b"b" + rng.randbytes(4).hex().encode()
    value = rng.choice([b"deck", "日本".encode(), b"\xff\xfe\xfa", b"%ff",
                        text(rng).encode("utf-8", "surrogatepass")])
    name = rng.choice([b"room", b"r\xe9oom", b"\xff", "ro\u00f6m".encode()])
    part = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"" + name + b"\""
            + rng.choice([b"", b"; filename=\"\xff.txt\"", b"; filename=\"a.txt\""])
            + rng.choice([b"", b"\r\nContent-Type: text/plain; charset=latin-1",
                          b"\r\nContent-Type: text/plain; charset=bogus"])
            + b"\r\n\r\n" + value + b"\r\n--" + boundary + b"--\r\n")
    content_type = rng.choice([
        b"multipart/form-data; boundary=" + boundary, b"multipart/form-data",
        b"multipart/form-data; boundary=", b"multipart/form-data; boundary=other",
        b"multipart/form-data; boundary=\"" + boundary + b"\"",
        b"multipart/form-data; boundary=" + boundary + b"; charset=bogus",
        b"multipart/form-data; boundary=\xff\xfe",
        b"multipart/mixed; boundary=" + boundary])
    if rng.random() < 0.2:
        part = rng.randbytes(rng.randint(0, 40))
    return part, content_type


def _body(rng: random.Random) -> tuple[bytes, bytes | None]:
    """A request body and the Content-Type it claims (None: no header)."""
    kind = rng.randrange(7)
    if kind == 0:
        return _multipart(rng)
    if kind == 1:
        form = rng.choice([b"room=", b"room=%ff", b"room=" + quote(text(rng).encode(
            "utf-8", "surrogatepass")).encode(), b"room=\xff\xfe", b"room=%", b"d=%ff",
            b"d=" + quote(json.dumps([encode_message(chat_message(rng, "lobby", "F", "s"))]))
            .encode(), b"room=a&room=b", b"=&&=", b"room=" + b"a" * 300])
        return form, rng.choice([b"application/x-www-form-urlencoded",
                                 b"application/x-www-form-urlencoded; charset=latin-1",
                                 b"application/x-www-form-urlencoded; charset=bogus",
                                 b"application/x-www-form-urlencoded; charset=\xff", None])
    if kind == 2:
        messages = [encode_message(chat_message(rng, "lobby", "Fuzz", "s"))
                    for _ in range(rng.randint(0, 3))]
        body = json.dumps(messages, ensure_ascii=rng.random() < 0.5).encode(
            "utf-8", "surrogatepass")
        return body, rng.choice([b"text/plain", b"application/json", b"text/plain; charset=UTF-8",
                                 b"application/xml", None])
    if kind == 3:
        return rng.randbytes(rng.randint(0, 300)), rng.choice(
            [None, b"application/octet-stream", b"\xff/\xfe", b"text/plain; charset=utf-16"])
    if kind == 4:
        return rng.choice([b"[", b'["x"]', b"{}", b"[]", b'[""]', b"\xff\xfe", b"null",
                           b'["\\ud800"]', b'["\xed\xa0\x80"]']), rng.choice(
                               [b"text/plain", None])
    return b"", None


def _header_value(rng: random.Random) -> bytes:
    """Any bytes; a CR or LF (which ends the header early) only now and then."""
    value = _any_header_value(rng)
    return value if rng.random() < 0.05 else value.replace(b"\r", b"").replace(b"\n", b"")


def _any_header_value(rng: random.Random) -> bytes:
    return rng.choice([
        text(rng).encode("utf-8", "surrogatepass"), rng.randbytes(rng.randint(0, 20)),
        bytes(rng.randint(0x20, 0xff) for _ in range(rng.randint(0, 30))),
        b"", b" ", b"\t", b"null", b"%ff", b"x" * 3000,
    ])


def http_request(rng: random.Random, host: str, sessions: list[str]) -> HttpRequest:
    """One request, framed right (the server must not wait for bytes that never
    come) but odd in anything else."""
    method = rng.choice(METHODS)
    path = _path(rng, sessions)
    if rng.random() < 0.3:  # a SockJS session URL, mostly with its transport's method
        transport = rng.choice(TRANSPORTS)
        server = "000" if rng.random() < 0.8 else _escaped(rng)
        session = rng.choice(sessions) if rng.random() < 0.7 else _escaped(rng)
        path = f"/sockjs/{server}/{session}/{transport}"
        if rng.random() < 0.9:
            method = SOCKJS_METHODS.get(transport, method)
    target = (path + _query(rng)).encode("latin-1")
    receiver = path.rsplit("/", 1)[-1] in RECEIVERS and method == SOCKJS_METHODS.get(
        path.rsplit("/", 1)[-1])
    if rng.random() < 0.05:  # bytes that are not UTF-8, unescaped
        target = target + b"\xff\xc3("
    body, content_type = _body(rng) if method not in ("GET", "HEAD") or rng.random() < 0.1 \
        else (b"", None)
    headers: list[tuple[bytes, bytes]] = [(b"Host", host.encode())]
    if rng.random() < 0.08:
        headers = [(b"Host", rng.choice([b"evil.example", b"\xff", b"", b"[::1", b"localhost:x",
                                         host.encode() + b"\xe9"]))]
    if content_type is not None:
        headers.append((b"Content-Type", content_type))
    odd = {
        b"Origin": [b"http://" + host.encode(), b"null", b"http://evil.example", b"\xff://x",
                    b"http://" + host.encode() + b"\xe9", b"file://", b"://", b"http://[::1"],
        b"Cookie": [b"JSESSIONID=abc", b"JSESSIONID=\xff\xfe", b"piratechat_owner=\xe9",
                    b"a=b; =; ;;", b"JSESSIONID=" + b"x" * 5000, b"\xff=\xff"],
        b"Accept": [b"application/json", b"text/html", b"*/*;q=x", b"\xff",
                    b"application/json;q=2"],
        b"Accept-Language": [b"en", b"\xff", b"*;q=foo", b"xx-\xe9"],
        b"X-Forwarded-For": [b"1.2.3.4", b"\xff", b"::1, x", b"999.1.1.1"],
        b"If-None-Match": [b"*", b'"abc"', b"\xff", b'W/"x'],
        b"If-Modified-Since": [b"yesterday", b"\xff", b"Thu, 01 Jan 1970 00:00:00 GMT"],
        b"Range": [b"bytes=0-1", b"bytes=x", b"bytes=5-1", b"\xff"],
        b"Access-Control-Request-Headers": [b"x-a", b"\xff\xfe", b"a,b,,"],
        b"Access-Control-Request-Method": [b"POST", b"\xff"],
        b"Upgrade": [b"websocket", b"h2c", b"\xff"],
        b"Connection": [b"Upgrade", b"keep-alive, Upgrade", b"\xff"],
        b"Sec-WebSocket-Key": [b"dGhlIHNhbXBsZSBub25jZQ==", b"\xff", b"short"],
        b"Sec-WebSocket-Version": [b"13", b"8", b"x", b"\xff"],
        b"Content-Encoding": [b"gzip", b"\xff", b"identity"],
        b"Referer": [b"http://evil.example/", b"\xff"],
        b"Authorization": [b"Basic \xff", b"Bearer x"],
        b"Expect": [b"100-continue", b"\xff"],
    }
    for name in rng.sample(sorted(odd), rng.randint(0, 5)):
        val = rng.choice(odd[name]) if rng.random() < 0.7 else _header_value(rng)
        headers.append((name, val))
    if rng.random() < 0.1:
        headers.append((b"X-" + rng.randbytes(3).hex().encode(), _header_value(rng)))
    if path.endswith("/websocket") and rng.random() < 0.5:  # a whole handshake, odd or not
        headers += [(b"Upgrade", b"websocket"), (b"Connection", b"Upgrade"),
                    (b"Sec-WebSocket-Key", rng.choice([b"dGhlIHNhbXBsZSBub25jZQ==", b"\xff"])),
                    (b"Sec-WebSocket-Version", rng.choice([b"13", b"13", b"8", b"99"]))]
        if rng.random() < 0.3:
            headers.append((rng.choice([b"Sec-WebSocket-Protocol", b"Sec-WebSocket-Extensions"]),
                            _header_value(rng)))
    if rng.random() < 0.15 and body:  # chunked, framed right
        size = rng.randint(1, len(body))
        chunks = [body[i:i + size] for i in range(0, len(body), size)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        headers.append((b"Transfer-Encoding", b"chunked"))
    elif body or method in ("POST", "PUT", "PATCH"):
        length = len(body)
        if receiver and rng.random() < 0.1:  # more than it sends: a receiver ignores it
            length += rng.randint(1, 100)
        headers.append((b"Content-Length", str(length).encode()))
    headers.append((b"Connection", b"close"))
    rng.shuffle(headers)
    return HttpRequest(method, target, rng.choice(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]), headers,
                       body)
