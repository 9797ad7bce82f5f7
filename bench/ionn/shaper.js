#!/usr/bin/env node
// A link emulator for bench/ionn/e2e.js and the IONN tests: a TCP proxy to 127.0.0.1:TARGET that
// delays every chunk by rtt/2 and serializes it at `mbps`, one shared wire per direction for all the
// connections through it (the client's two channels share one link, as on a real WiFi link). A chunk
// leaves when the wire is free again plus its bytes at that rate (FIFO). Settings change at run time:
// a line `mbps N` or `rtt N` on stdin. Prints `shaper listening on PORT` when ready.
//
//   node bench/ionn/shaper.js --target 8787 --mbps 80 --rtt 1
'use strict';
const net = require('node:net');

function startShaper({ target, mbps, rtt, port = 0 }) {
  const link = { mbps, rtt };
  // One FIFO per wire, drained by one timer: separate timers per chunk could fire out of order
  // (Node keeps timer lists per whole-ms duration), which would reorder a connection's bytes.
  const wire = () => {
    let free = 0; // when the wire is free again (performance.now(), ms)
    const queue = [];
    let timer = null;
    const pump = () => {
      timer = null;
      const now = performance.now();
      while (queue.length && queue[0].at <= now + 0.2) {
        const { dst, chunk } = queue.shift();
        if (!dst.destroyed) dst.write(chunk);
      }
      if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0].at - now));
    };
    return (dst, chunk) => {
      const now = performance.now();
      const start = Math.max(now, free);
      free = start + (link.mbps > 0 ? (chunk.length * 8) / (link.mbps * 1000) : 0);
      queue.push({ dst, chunk, at: free + link.rtt / 2 });
      if (!timer) timer = setTimeout(pump, Math.max(0, queue[0].at - now));
    };
  };
  const up = wire();
  const down = wire();
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (c) => up(upstream, c));
    upstream.on('data', (c) => down(client, c));
    const end = () => setTimeout(() => (client.destroy(), upstream.destroy()), link.rtt / 2 + 50);
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        link,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

module.exports = { startShaper };

if (require.main === module) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const target = Number(arg('target'));
  if (!(target > 0)) {
    console.error('usage: shaper.js --target PORT [--mbps N] [--rtt MS] [--port N]');
    process.exit(2);
  }
  startShaper({ target, mbps: Number(arg('mbps', '0')), rtt: Number(arg('rtt', '0')), port: Number(arg('port', '0')) }).then((s) => {
    console.log(`shaper listening on ${s.port}`);
    let buf = '';
    process.stdin.on('data', (d) => {
      buf += d;
      for (let k = buf.indexOf('\n'); k >= 0; k = buf.indexOf('\n')) {
        const [what, value] = buf.slice(0, k).trim().split(/\s+/);
        buf = buf.slice(k + 1);
        if ((what === 'mbps' || what === 'rtt') && Number.isFinite(Number(value))) s.link[what] = Number(value);
        else console.error(`shaper: expected 'mbps N' or 'rtt N', got '${what} ${value}'`);
      }
    });
    process.stdin.on('end', () => {});
  });
}
