'use strict';
// Child processes for the offload A/B benches: a `snapvm serve` on a free loopback port, and a
// `snapvm run PAGE --edge URL --edge-report` client whose output is collected.
const { spawn } = require('node:child_process');

/** `node BIN serve --port 0 --quiet`: resolves with its URL and port once it listens. */
function serve(bin) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (ws:\/\/[\d.]+:(\d+))/.exec(out);
      if (m) resolve({ url: m[1], port: Number(m[2]), kill: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code})`)));
  });
}

/** `node BIN run PAGE --edge URL --edge-report` with `env` added: its exit code and output. */
function runClient(bin, page, url, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'run', page, '--edge', url, '--edge-report'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

module.exports = { serve, runClient };
