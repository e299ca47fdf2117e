// Peer: a plain Node `ws` broadcast server speaking the bench's minimal chat
// protocol (docs/protocol.md's join/say/line, no translation, no history).
// Usage: node ws_server.js PORT   -> prints "Serving on http://127.0.0.1:PORT"
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 0);
const rooms = new Map(); // room -> {seq, members: Set<WebSocket>}

const wss = new WebSocketServer({ host: '127.0.0.1', port, backlog: 4096, perMessageDeflate: false });

wss.on('connection', (ws) => {
  let name = null;
  let room = null;
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    let msg;
    try { msg = JSON.parse(data.toString()); } catch (e) { return; }
    if (msg.type === 'join') {
      if (room) rooms.get(room).members.delete(ws);
      name = String(msg.name);
      room = typeof msg.room === 'string' ? msg.room : 'lobby';
      if (!rooms.has(room)) rooms.set(room, { seq: 0, members: new Set() });
      rooms.get(room).members.add(ws);
      ws.send(JSON.stringify({ type: 'joined', room, name }));
    } else if (msg.type === 'say' && room) {
      const r = rooms.get(room);
      r.seq += 1;
      const payload = Buffer.from(JSON.stringify({
        type: 'line', seq: r.seq, room, author: name, text: msg.text,
        translation: msg.text, translator: 'none', at: new Date().toISOString(),
      }));
      for (const member of r.members) member.send(payload, { binary: false });
    }
  });
  ws.on('close', () => { if (room) rooms.get(room).members.delete(ws); });
});

wss.on('listening', () => {
  console.log(`Serving on http://127.0.0.1:${wss.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
