"""The session transports, by the name that ends their URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import websocket, xhr


@dataclass(frozen=True)
class Transport:
    view: Callable
    method: str  # the one method it answers besides a CORS preflight
    creates: bool  # opens a new session (receivers) or needs an existing one (senders)
    cors: bool = True


TRANSPORTS: dict[str, Transport] = {
    "websocket": Transport(websocket.websocket, "GET", creates=True, cors=False),
    "xhr": Transport(xhr.xhr, "POST", creates=True),
    "xhr_streaming": Transport(xhr.xhr_streaming, "POST", creates=True),
    "xhr_send": Transport(xhr.xhr_send, "POST", creates=False),
}
