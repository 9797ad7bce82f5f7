// Tasks with preact and htm (vendored from npm by vendor.js): function components with hooks
// (useState, useReducer, useEffect, useMemo, useRef), a keyed list, a clock ticking every second
// (an interval always pending) and a debounced save to localStorage (a timeout pending after edits).
import { h, render } from './vendor/preact.mjs';
import { useState, useReducer, useEffect, useMemo, useRef } from './vendor/hooks.mjs';
import htm from './vendor/htm.mjs';

const html = htm.bind(h);
const KEY = 'snapvm-preact-tasks';

function tasksReducer(tasks, action) {
  switch (action.type) {
    case 'add':
      return [...tasks, { id: action.id, title: action.title, done: false }];
    case 'toggle':
      return tasks.map((t) => (t.id === action.id ? { ...t, done: !t.done } : t));
    case 'remove':
      return tasks.filter((t) => t.id !== action.id);
    default:
      return tasks;
  }
}

function Clock({ label }) {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setSeconds((s) => s + 1), 1000);
    return () => clearInterval(id);
  }, []);
  const mm = String(Math.floor(seconds / 60)).padStart(2, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return html`<p class="clock">${label} <time>${mm}:${ss}</time></p>`;
}

function Task({ task, dispatch }) {
  return html`
    <li data-id=${task.id} class=${task.done ? 'done' : ''}>
      <input type="checkbox" class="toggle" checked=${task.done} onClick=${() => dispatch({ type: 'toggle', id: task.id })} />
      <span class="title">${task.title}</span>
      <button class="remove" onClick=${() => dispatch({ type: 'remove', id: task.id })}>remove</button>
    </li>`;
}

function App() {
  const saved = JSON.parse(localStorage.getItem(KEY) || '[]');
  const [tasks, dispatch] = useReducer(tasksReducer, saved);
  const [draft, setDraft] = useState('');
  const [status, setStatus] = useState('');
  const nextId = useRef(saved.reduce((m, t) => Math.max(m, t.id), 0) + 1);
  const input = useRef(null);
  const stats = useMemo(() => `${tasks.filter((t) => t.done).length} of ${tasks.length} done`, [tasks]);

  // a debounced save: every change restarts a pending 300 ms timeout
  useEffect(() => {
    setStatus('editing');
    const id = setTimeout(() => {
      localStorage.setItem(KEY, JSON.stringify(tasks));
      setStatus(`saved ${tasks.length}`);
    }, 300);
    return () => clearTimeout(id);
  }, [tasks]);

  const add = () => {
    const title = draft.trim();
    if (!title) return;
    dispatch({ type: 'add', id: nextId.current++, title });
    setDraft('');
    input.current.focus();
  };

  return html`
    <section class="tasks">
      <h1>Tasks</h1>
      <${Clock} label="open for" />
      <div class="new">
        <input class="draft" placeholder="What next?" value=${draft} ref=${input}
          onInput=${(e) => setDraft(e.currentTarget.value)}
          onKeyDown=${(e) => e.key === 'Enter' && add()} />
        <button class="add" onClick=${add}>add</button>
      </div>
      <ul class="list">${tasks.map((t) => html`<${Task} key=${t.id} task=${t} dispatch=${dispatch} />`)}</ul>
      <p class="stats">${stats}</p>
      <p class="status">${status}</p>
    </section>`;
}

render(html`<${App} />`, document.getElementById('app'));
