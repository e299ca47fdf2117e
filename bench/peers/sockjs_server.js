// Peer: the reference SockJS server (`sockjs` from npm) at /sockjs, speaking
// the bench's minimal chat protocol. Its raw WebSocket endpoint is
// /sockjs/websocket; the framed one /sockjs/<server>/<session>/websocket.
// Usage: node sockjs_server.js PORT   -> prints "Serving on http://127.0.0.1:PORT"
'use strict';
const http = require('http');
const sockjs = require('sockjs');

const port = Number(process.argv[2] || 0);
const rooms = new Map(); // room -> {seq, members: Set<Connection>}

const echo = sockjs.createServer({ prefix: '/sockjs', log: () => {}, disconnect_delay: 5000 });
echo.on('connection', (conn) => {
  if (!conn) return;
  let name = null;
  let room = null;
  conn.on('data', (data) => {
    let msg;
    try { msg = JSON.parse(data); } catch (e) { return; }
    if (msg.type === 'join') {
      if (room) rooms.get(room).members.delete(conn);
      name = String(msg.name);
      room = typeof msg.room === 'string' ? msg.room : 'lobby';
      if (!rooms.has(room)) rooms.set(room, { seq: 0, members: new Set() });
      rooms.get(room).members.add(conn);
      conn.write(JSON.stringify({ type: 'joined', room, name }));
    } else if (msg.type === 'say' && room) {
      const r = rooms.get(room);
      r.seq += 1;
      const payload = JSON.stringify({
        type: 'line', seq: r.seq, room, author: name, text: msg.text,
        translation: msg.text, translator: 'none', at: new Date().toISOString(),
      });
      for (const member of r.members) member.write(payload);
    }
  });
  conn.on('close', () => { if (room) rooms.get(room).members.delete(conn); });
});

const server = http.createServer();
server.maxConnections = 100000;
echo.installHandlers(server);
server.listen(port, '127.0.0.1', 4096, () => {
  console.log(`Serving on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
