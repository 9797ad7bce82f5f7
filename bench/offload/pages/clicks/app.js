// A page whose work comes from user input, not from its own timers: STEPS.json types an iteration count
// and clicks "render" several times; each click renders a Mandelbrot view (heavy: its handler is what the
// automatic decision learns to move, EUC'15) and appends a line; "count" is a light handler that must stay
// where it is; a timer the heavy handler sets reports afterwards (a wait runs it). "dump" prints the body.
const input = document.getElementById('iterations');
const status = document.getElementById('status');
let renders = 0;

function mandelbrot(width, height, iterations, zoom) {
  let inside = 0;
  let sum = 0;
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const cx = -0.743643887 + ((px / width - 0.5) * 3) / zoom;
      const cy = 0.131825904 + ((py / height - 0.5) * 2) / zoom;
      let x = 0;
      let y = 0;
      let i = 0;
      while (i < iterations && x * x + y * y <= 4) {
        const t = x * x - y * y + cx;
        y = 2 * x * y + cy;
        x = t;
        i++;
      }
      if (i === iterations) inside++;
      sum = (sum + i) % 1000003;
    }
  }
  return { inside, sum };
}

document.getElementById('render').addEventListener('click', () => {
  const n = ++renders;
  const iterations = Number(input.value) || 50;
  console.log(`render ${n} starts (${iterations} iterations)`);
  const { inside, sum } = mandelbrot(64, 48, iterations, 2 ** n);
  const li = document.createElement('li');
  li.textContent = `zoom ${2 ** n}: ${inside} inside, checksum ${sum}`;
  document.getElementById('results').appendChild(li);
  status.textContent = `rendered ${n}`;
  setTimeout(() => console.log(`render ${n} shown: ${li.textContent}`), 5);
});

document.getElementById('count').addEventListener('click', () => {
  const p = document.getElementById('clicks');
  p.textContent = String(Number(p.textContent) + 1);
});

input.addEventListener('input', () => (status.textContent = `iterations: ${input.value}`));
input.addEventListener('keydown', (e) => e.key === 'Enter' && (status.textContent = `ready for ${input.value}`));

document.getElementById('dump').addEventListener('click', () => console.log(document.body.innerHTML.replace(/\s+/g, ' ')));
