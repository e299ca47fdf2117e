"""Peer: a Python ``websockets`` (asyncio) broadcast server speaking the bench's
minimal chat protocol (join/say -> line to the room; no translation, no history).

Usage: python websockets_server.py PORT  -> prints "Serving on http://127.0.0.1:PORT"
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from datetime import UTC, datetime

from websockets.asyncio.server import broadcast, serve
from websockets.exceptions import ConnectionClosed

rooms: dict[str, set] = {}
seqs: dict[str, int] = {}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def handler(ws) -> None:
    name = room = None
    try:
        async for data in ws:
            try:
                msg = json.loads(data)
            except ValueError:
                continue
            kind = msg.get("type") if isinstance(msg, dict) else None
            if kind == "join":
                if room is not None:
                    rooms[room].discard(ws)
                name = str(msg.get("name"))
                room = msg.get("room") if isinstance(msg.get("room"), str) else "lobby"
                rooms.setdefault(room, set()).add(ws)
                await ws.send(json.dumps({"type": "joined", "room": room, "name": name}))
            elif kind == "say" and room is not None:
                seqs[room] = seq = seqs.get(room, 0) + 1
                text = msg.get("text")
                line = {
                    "type": "line",
                    "seq": seq,
                    "room": room,
                    "author": name,
                    "text": text,
                    "translation": text,
                    "translator": "none",
                    "at": now(),
                }
                broadcast(rooms[room], json.dumps(line, separators=(",", ":")))
    except ConnectionClosed:  # the generator hangs up without a close frame
        pass
    finally:
        if room is not None:
            rooms[room].discard(ws)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(
        handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=4096
    ) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"Serving on http://127.0.0.1:{bound}", flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
