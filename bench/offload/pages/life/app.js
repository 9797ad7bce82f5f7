// A page with more DOM than examples/filter: a 32×32 board of table cells (about 1100 nodes). Each trip
// offloads a few dozen generations of Conway's Life; the edge writes the new board into the cells'
// classes (only the cells that changed), appends a log line and updates the status. Locally (no
// --edge) the same steps run here. The page prints a digest of its document at the end.
const hint = typeof snapvm === 'undefined' ? { offload: async (f, ...a) => f(...a) } : snapvm;
const size = Number(document.body.dataset.size);
const generations = Number(document.body.dataset.generations);
const trips = Number(document.body.dataset.trips);

const board = document.getElementById('board');
for (let y = 0; y < size; y++) {
  const tr = document.createElement('tr');
  for (let x = 0; x < size; x++) {
    const td = document.createElement('td');
    // a fixed pseudo-random start
    td.className = (x * 7 + y * 13 + ((x * y) % 5)) % 3 === 0 ? 'on' : 'off';
    tr.appendChild(td);
  }
  board.appendChild(tr);
}

function step(cells) {
  const next = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (dx || dy) n += cells[((y + dy + size) % size) * size + ((x + dx + size) % size)];
      const alive = cells[y * size + x];
      next[y * size + x] = alive ? (n === 2 || n === 3 ? 1 : 0) : n === 3 ? 1 : 0;
    }
  }
  return next;
}

function advance(trip) {
  const tds = board.getElementsByTagName('td');
  let cells = new Uint8Array(size * size);
  for (let i = 0; i < tds.length; i++) cells[i] = tds[i].className === 'on' ? 1 : 0;
  for (let g = 0; g < generations; g++) cells = step(cells);
  let changed = 0;
  for (let i = 0; i < tds.length; i++) {
    const want = cells[i] ? 'on' : 'off';
    if (tds[i].className !== want) (tds[i].className = want), changed++;
  }
  const li = document.createElement('li');
  li.textContent = `trip ${trip}: ${changed} cells changed`;
  document.getElementById('log').appendChild(li);
  document.getElementById('status').textContent = `after ${trip * generations} generations`;
  return changed;
}

(async () => {
  for (let trip = 1; trip <= trips; trip++) await hint.offload(advance, trip);
  let alive = 0;
  for (const td of board.getElementsByTagName('td')) if (td.className === 'on') alive++;
  console.log(document.getElementById('status').textContent, '|', alive, 'alive |', document.getElementById('log').textContent);
})();
