// Helpers for the offload suites: a real `snapvm serve` on loopback, `snapvm run` clients, temp apps.
import { spawn, type ChildProcess } from 'node:child_process';
import { PROTOCOL_VERSION } from '../src/offload/protocol';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..');
export const bin = path.join(root, 'bin', 'snapvm.js');

export function tempDir(prefix: string): { dir: string; write(name: string, source: string): string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    write(name, source) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, source);
      return file;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** performance.now() when the process ended. */
  endedAt: number;
}

/** `node bin/snapvm.js ARGS…`, collected (`env`: added to this process's environment). */
export function snapvm(args: string[], timeoutMs = 90_000, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started, endedAt: performance.now() });
    });
  });
}

/** A `snapvm serve` child on a free loopback port. */
export class Server {
  url = '';
  port = 0;
  log = '';
  private waiters: { re: RegExp; resolve: () => void }[] = [];
  private constructor(readonly child: ChildProcess) {}

  /** `env`: added to this process's environment for the server. */
  static start(args: string[] = [], env: Record<string, string> = {}): Promise<Server> {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const server = new Server(child);
    child.stderr!.on('data', (d) => {
      server.log += d;
      server.waiters = server.waiters.filter((w) => (w.re.test(server.log) ? (w.resolve(), false) : true));
    });
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (ws:\/\/[\d.]+:(\d+))/.exec(out);
        if (m && !server.url) {
          server.url = m[1]!;
          server.port = Number(m[2]);
          resolve(server);
        }
      });
      child.on('exit', (code) => reject(new Error(`snapvm serve exited (${code}) before listening: ${server.log}`)));
    });
  }

  /** Resolves when the server's log matches `re`. */
  waitFor(re: RegExp, timeoutMs = 30_000): Promise<void> {
    if (re.test(this.log)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server log never matched ${re}:\n${this.log}`)), timeoutMs);
      this.waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

/**
 * A temp folder and one `snapvm serve ARGS…` shared by a whole suite: the server starts before the first
 * test; both go at teardown. `server` is read once the suite's tests run.
 */
export function suiteServer(
  t: { before(fn: () => Promise<void>): unknown; teardown(fn: () => Promise<void>): unknown },
  prefix: string,
  args: string[] = [],
): { tmp: ReturnType<typeof tempDir>; readonly server: Server } {
  const tmp = tempDir(prefix);
  let server: Server | undefined;
  t.before(async () => {
    server = await Server.start(args);
  });
  t.teardown(async () => {
    await server?.kill();
    tmp.remove();
  });
  return {
    tmp,
    get server() {
      return server!;
    },
  };
}

/** A raw protocol session for hostile tests: send anything, read replies in order. */
export async function rawSession(
  url: string,
): Promise<{ send(m: unknown): void; sendRaw(data: string | Buffer, binary?: boolean): void; next(timeoutMs?: number): Promise<any>; closed: Promise<number>; close(): void }> {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url);
  const queue: any[] = [];
  const waiting: ((m: any) => void)[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  ws.on('error', () => {});
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    send: (m) => ws.send(JSON.stringify(m)),
    sendRaw: (data, binary = false) => ws.send(data, { binary }),
    next: (timeoutMs = 30_000) =>
      queue.length
        ? Promise.resolve(queue.shift())
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('no reply')), timeoutMs);
            waiting.push((m) => (clearTimeout(timer), resolve(m)));
          }),
    closed,
    close: () => ws.close(),
  };
}

/** A raw session that has said hello and been welcomed. */
export async function helloSession(url: string): Promise<Awaited<ReturnType<typeof rawSession>>> {
  const s = await rawSession(url);
  s.send({ type: 'hello', v: PROTOCOL_VERSION });
  const welcome = await s.next();
  if (welcome.type !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(welcome)}`);
  return s;
}

/**
 * `file` run locally and with the edge at `url` (reporting each trip), at once: both end well and print
 * the same. The two results, for further checks.
 */
export async function sameAsLocal(t: Tap.Test, file: string, url: string, args: string[] = []): Promise<{ local: Result; edge: Result }> {
  const [local, edge] = await Promise.all([snapvm(['run', file, ...args]), snapvm(['run', file, '--edge', url, '--edge-report', ...args])]);
  t.equal(local.code, 0, local.stderr);
  t.equal(edge.code, 0, edge.stderr);
  t.equal(edge.stdout, local.stdout, 'the same output offloaded as locally');
  return { local, edge };
}

/** Bytes of the first whole WebSocket frame in `b` (RFC 6455 §5.2), and of its header; null while it is incomplete. */
export function wsFrame(b: Buffer): { header: number; total: number } | null {
  if (b.length < 2) return null;
  let length = b[1]! & 0x7f;
  let header = 2;
  if (length === 126) {
    if (b.length < 4) return null;
    length = b.readUInt16BE(2);
    header = 4;
  } else if (length === 127) {
    if (b.length < 10) return null;
    length = Number(b.readBigUInt64BE(2));
    header = 10;
  }
  if (b[1]! & 0x80) header += 4;
  return b.length < header + length ? null : { header, total: header + length };
}

/**
 * A loopback relay to the server at `port`: the client's bytes go through as they come; the server's
 * frames go through whole up to and including its first console line, then none (the server's close
 * still closes the client's side).
 */
export async function consoleGate(port: number): Promise<{ url: string; passedConsole: Promise<void>; close: () => void }> {
  const net = await import('node:net');
  let passed!: () => void;
  const passedConsole = new Promise<void>((resolve) => (passed = resolve));
  const sockets = new Set<import('node:net').Socket>();
  const relay = net.createServer((client) => {
    const server = net.connect(port, '127.0.0.1');
    sockets.add(client).add(server);
    const end = () => (client.destroy(), server.destroy());
    for (const s of [client, server]) s.on('close', end).on('error', end);
    client.pipe(server);
    let held = Buffer.alloc(0);
    let upgraded = false;
    let shut = false;
    server.on('data', (d: Buffer) => {
      if (shut) return;
      held = Buffer.concat([held, d]);
      if (!upgraded) {
        const at = held.indexOf('\r\n\r\n');
        if (at < 0) return;
        client.write(held.subarray(0, at + 4));
        held = held.subarray(at + 4);
        upgraded = true;
      }
      for (let f = wsFrame(held); f !== null && !shut; f = wsFrame(held)) {
        client.write(held.subarray(0, f.total));
        shut = held.subarray(f.header, f.total).toString().startsWith('{"type":"console"');
        held = held.subarray(f.total);
      }
      if (shut) passed();
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(relay.address() as { port: number }).port}`,
    passedConsole,
    close: () => {
      for (const s of sockets) s.destroy();
      relay.close();
    },
  };
}
