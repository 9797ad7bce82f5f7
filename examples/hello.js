// A small real program for `snapvm run examples/hello.js`: classes, closures, a generator,
// a promise chain and a timer. Its output is the same under `node examples/hello.js`.
'use strict';

class Shape {
  #id;
  static #count = 0;
  constructor(name) {
    this.name = name;
    this.#id = ++Shape.#count;
  }
  get id() {
    return this.#id;
  }
  area() {
    return 0;
  }
  toString() {
    return `${this.name}#${this.#id} (area ${this.area().toFixed(2)})`;
  }
}

class Circle extends Shape {
  constructor(r) {
    super('circle');
    this.r = r;
  }
  area() {
    return Math.PI * this.r ** 2;
  }
}

class Rect extends Shape {
  constructor(w, h) {
    super('rect');
    Object.assign(this, { w, h });
  }
  area() {
    return this.w * this.h;
  }
}

// A closure that keeps a running total.
function makeCounter() {
  let total = 0;
  return (n) => (total += n);
}

// A generator: the first n Fibonacci numbers.
function* fibonacci(n) {
  let [a, b] = [0, 1];
  for (let i = 0; i < n; i++) {
    yield a;
    [a, b] = [b, a + b];
  }
}

const shapes = [new Circle(1), new Rect(2, 3), new Circle(0.5)];
const add = makeCounter();
for (const s of shapes) add(s.area());
console.log('shapes:', shapes.map(String));
console.log('total area:', add(0).toFixed(3));
console.log('fibonacci:', [...fibonacci(10)].join(' '));

const sleep = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value));

async function main() {
  const order = [];
  Promise.resolve()
    .then(() => order.push('microtask 1'))
    .then(() => order.push('microtask 2'));
  setTimeout(() => order.push('timer'), 0);
  order.push('sync');
  const greeting = await sleep(10, 'hello');
  const report = { greeting, order, biggest: shapes.reduce((a, b) => (a.area() > b.area() ? a : b)).name, nested: { ok: true, ids: shapes.map((s) => s.id) } };
  console.log(report);
  return report.order.length;
}

main()
  .then((n) => console.log(`done after ${n} events`))
  .catch((e) => console.error('failed:', e));
