// A page with a heavy handler: a box filter over a generated greyscale image, then a histogram of the
// result built into the DOM. Under `snapvm run index.html --edge ws://host:port` the filter runs on the
// edge (snapvm.offload) and so does the DOM work (snapvm.migrate): nodes made, changed and removed there
// come back with the page. Anywhere else (a browser, snapvm without --edge) it all runs here.
const offload = globalThis.snapvm ? snapvm.offload : (fn, ...args) => Promise.resolve().then(() => fn(...args));
const migrate = globalThis.snapvm ? snapvm.migrate : async () => 'client';

const size = Number(document.body.dataset.size);
const passes = Number(document.body.dataset.passes);
const status = document.getElementById('status');
const history = document.getElementById('history');

function image(n) {
  const img = new Array(n * n);
  let s = 12345;
  for (let i = 0; i < img.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    img[i] = (s >>> 16) & 255;
  }
  return img;
}

function boxFilter(img, n, times) {
  let a = img;
  for (let t = 0; t < times; t++) {
    const b = new Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        let sum = 0;
        let count = 0;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy >= 0 && yy < n && xx >= 0 && xx < n) (sum += a[yy * n + xx]), count++;
          }
        }
        b[y * n + x] = Math.round(sum / count);
      }
    }
    a = b;
  }
  return a;
}

function note(text) {
  const li = document.createElement('li');
  li.textContent = text;
  history.appendChild(li);
}

async function run() {
  status.textContent = 'filtering';
  note('image ' + size + 'x' + size);
  const out = await offload(boxFilter, image(size), size, passes);
  note('filtered ' + passes + ' times, mean ' + (out.reduce((a, b) => a + b, 0) / out.length).toFixed(3));
  console.log('filtered', out.length, 'pixels; first', out.slice(0, 4).join(' '));
  // the histogram is DOM work: done wherever the page is (the edge, under --edge)
  await migrate('edge');
  const bins = new Array(8).fill(0);
  for (const v of out) bins[Math.min(7, Math.floor(v / 32))]++;
  const table = document.getElementById('histogram');
  bins.forEach((count, i) => {
    const row = table.insertRow();
    row.insertCell().textContent = i * 32 + '–' + (i * 32 + 31);
    row.insertCell().textContent = String(count);
    if (count === 0) row.remove();
  });
  history.querySelector('.placeholder').remove();
  status.textContent = 'done';
  status.setAttribute('data-bins', String(table.rows.length));
  await migrate('client');
  setTimeout(() => {
    console.log(status.textContent, table.rows.length, 'rows');
    console.log(document.body.innerHTML.replace(/\s+/g, ' '));
  }, 5);
}

setTimeout(run, 0);
