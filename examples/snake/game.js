// Snake on a 2D canvas: an animation-frame loop that advances the game every 100 ms of the page clock,
// arrow keys steer, food appears at positions from a seeded generator (so runs are reproducible).
(function () {
  'use strict';
  const CELL = 10, N = 20, STEP_MS = 100;
  const canvas = document.getElementById('board');
  const ctx = canvas.getContext('2d');
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const snake = [{ x: 5, y: 10 }, { x: 4, y: 10 }, { x: 3, y: 10 }];
  let dir = { x: 1, y: 0 }, next = dir, food = place(), score = 0, over = false, last = null;

  function place() {
    for (;;) {
      const f = { x: Math.floor(random() * N), y: Math.floor(random() * N) };
      if (!snake.some((s) => s.x === f.x && s.y === f.y)) return f;
    }
  }

  function step() {
    dir = next;
    const head = { x: snake[0].x + dir.x, y: snake[0].y + dir.y };
    if (head.x < 0 || head.y < 0 || head.x >= N || head.y >= N || snake.some((s) => s.x === head.x && s.y === head.y)) {
      over = true;
      document.getElementById('state').textContent = 'game over';
      return;
    }
    snake.unshift(head);
    if (head.x === food.x && head.y === food.y) {
      score++;
      document.getElementById('score').textContent = String(score);
      food = place();
    } else snake.pop();
  }

  function draw() {
    ctx.fillStyle = '#000000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#ff0000';
    ctx.fillRect(food.x * CELL, food.y * CELL, CELL, CELL);
    ctx.fillStyle = '#00ff00';
    for (const s of snake) ctx.fillRect(s.x * CELL, s.y * CELL, CELL, CELL);
  }

  function frame(t) {
    if (last === null) last = t;
    while (!over && t - last >= STEP_MS) {
      step();
      last += STEP_MS;
    }
    draw();
    if (!over) requestAnimationFrame(frame);
  }

  const KEYS = { ArrowUp: { x: 0, y: -1 }, ArrowDown: { x: 0, y: 1 }, ArrowLeft: { x: -1, y: 0 }, ArrowRight: { x: 1, y: 0 } };
  document.addEventListener('keydown', (e) => {
    const d = KEYS[e.key];
    if (d && (d.x !== -dir.x || d.y !== -dir.y)) next = d;
  });
  window.snake = { snake, get food() { return food; }, get score() { return score; } };
  draw();
  requestAnimationFrame(frame);
})();
