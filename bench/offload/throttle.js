// A CPU-time budget for a child process (the emulated slow client of bench/offload/run.js): the child may use `rate` CPU ms per wall ms,
// read from the kernel's per-thread run times (/proc/PID/task/*/schedstat, ns; all of its threads, V8's
// compiler and GC helpers included). Every TICK_MS the controller adds the budget of the elapsed time to a
// credit (at most `periodMs` of it: a process idle while it waits for the network banks no more than that)
// and subtracts the CPU the child used; the child runs while the credit is positive and is stopped
// (SIGSTOP) otherwise. Linux only.
'use strict';
const fs = require('node:fs');

const TICK_MS = 2;

/** CPU ms used so far by all threads of process `pid` (the kernel's run time, ns precision). Each thread's
 * file is kept open and read again at offset 0 (a third of the cost of opening it each time); the list of
 * threads is read again every 50 ms. */
const threadFiles = new Map();
const statBuf = Buffer.alloc(64);
function cpuMsOf(pid) {
  let list = threadFiles.get(pid);
  const dir = `/proc/${pid}/task`;
  if (!list || performance.now() - list.at > 50) {
    const old = list?.fds ?? new Map();
    const fds = new Map();
    for (const t of fs.readdirSync(dir)) {
      try {
        fds.set(t, old.get(t) ?? fs.openSync(`${dir}/${t}/schedstat`, 'r'));
      } catch {} // a thread that just ended
    }
    for (const [t, fd] of old) if (!fds.has(t)) fs.closeSync(fd);
    threadFiles.set(pid, (list = { at: performance.now(), fds, ns: list?.ns ?? new Map() }));
  }
  for (const [t, fd] of list.fds) {
    try {
      const n = fs.readSync(fd, statBuf, 0, 64, 0);
      list.ns.set(t, Number(statBuf.toString('latin1', 0, n).split(' ', 1)[0]));
    } catch {} // a thread that ended: its last reading stays counted
  }
  let ns = 0;
  for (const v of list.ns.values()) ns += v;
  return ns / 1e6;
}

/** Close the files cpuMsOf keeps open for `pid`. */
function forget(pid) {
  for (const fd of threadFiles.get(pid)?.fds.values() ?? []) fs.closeSync(fd);
  threadFiles.delete(pid);
}

/** Throttle `child` to `rate` CPU ms per wall ms by SIGSTOP/SIGCONT; returns a stopper. */
function throttle(child, rate, periodMs) {
  const cap = periodMs * rate;
  let credit = 0;
  let last = performance.now();
  let used = 0;
  let running = true;
  let timer = null;
  const tick = () => {
    if (child.exitCode !== null) return;
    const now = performance.now();
    let cpu;
    try {
      cpu = cpuMsOf(child.pid);
    } catch {
      return; // gone
    }
    credit = Math.min(cap, credit + (now - last) * rate) - (cpu - used);
    used = cpu;
    last = now;
    if (credit > 0 !== running) {
      running = credit > 0;
      try {
        process.kill(child.pid, running ? 'SIGCONT' : 'SIGSTOP');
      } catch {}
    }
    timer = setTimeout(tick, TICK_MS);
  };
  tick();
  return () => (clearTimeout(timer), forget(child.pid));
}

module.exports = { throttle };
