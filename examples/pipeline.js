// A small real app for the snapshot demo: a pipeline of async workers pulling jobs from a queue,
// a generator handing out ids, a class with private state, and timers. Snapshot it mid-run with
// `snapvm run examples/pipeline.js --snapshot-at turn:4 --out /tmp/p.snap --stop`, then
// `snapvm restore /tmp/p.snap` prints the rest; together they print what `node` prints.
'use strict';

class Stats {
  #done = 0;
  #sum = 0;
  record(value) {
    this.#done++;
    this.#sum += value;
  }
  get summary() {
    return `${this.#done} jobs, checksum ${this.#sum}`;
  }
}

function* ids(prefix) {
  for (let n = 1; ; n++) yield `${prefix}-${n}`;
}

const stats = new Stats();
const nextId = ids('job');
const queue = [30, 5, 20, 10, 25, 15];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function work(size) {
  // some real computation: a checksum over `size` thousand numbers
  let h = 0;
  for (let i = 0; i < size * 1000; i++) h = (h * 31 + i) % 1000003;
  return h;
}

async function worker(name, pace) {
  while (queue.length > 0) {
    const size = queue.shift();
    const id = nextId.next().value;
    await sleep(pace);
    const value = work(size);
    stats.record(value);
    console.log(`${name} finished ${id} (size ${size}) -> ${value}`);
  }
  return name;
}

Promise.all([worker('alpha', 40), worker('beta', 65)]).then((names) => {
  console.log(`${names.join(' and ')} are done: ${stats.summary}`);
});
console.log('pipeline started with', queue.length, 'jobs');
