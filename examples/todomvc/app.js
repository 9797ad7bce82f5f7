// TodoMVC in plain JavaScript: add, toggle, edit-free delete, filters, counts, clear completed.
(function () {
  'use strict';
  const ENTER = 'Enter';
  const store = new Store('todos-snapvm');
  let nextId = store.todos.reduce((m, t) => Math.max(m, t.id), 0) + 1;
  let filter = 'all';
  const $ = (sel) => document.querySelector(sel);
  const list = $('.todo-list');
  const input = $('.new-todo');

  function visible() {
    return store.todos.filter((t) => (filter === 'active' ? !t.completed : filter === 'completed' ? t.completed : true));
  }

  function render() {
    list.textContent = '';
    for (const todo of visible()) {
      const li = document.createElement('li');
      li.dataset.id = String(todo.id);
      if (todo.completed) li.className = 'completed';
      const toggle = document.createElement('input');
      toggle.className = 'toggle';
      toggle.type = 'checkbox';
      toggle.checked = todo.completed;
      const label = document.createElement('label');
      label.textContent = todo.title;
      const destroy = document.createElement('button');
      destroy.className = 'destroy';
      destroy.textContent = '×';
      li.append(toggle, label, destroy);
      list.appendChild(li);
    }
    const left = store.todos.filter((t) => !t.completed).length;
    $('.todo-count').textContent = `${left} item${left === 1 ? '' : 's'} left`;
    $('.clear-completed').classList.toggle('hidden', store.todos.every((t) => !t.completed));
    $('#toggle-all').checked = store.todos.length > 0 && left === 0;
    for (const a of document.querySelectorAll('.filters a')) a.classList.toggle('selected', a.getAttribute('href') === `#/${filter === 'all' ? '' : filter}`);
  }

  function update(fn) {
    fn();
    store.save();
    render();
  }

  input.addEventListener('keydown', (e) => {
    if (e.key !== ENTER) return;
    const title = input.value.trim();
    if (!title) return;
    update(() => store.todos.push({ id: nextId++, title, completed: false }));
    input.value = '';
  });

  // one delegated listener for the list, as TodoMVC apps do
  list.addEventListener('click', (e) => {
    const li = e.target.closest('li');
    if (!li) return;
    const id = Number(li.dataset.id);
    if (e.target.classList.contains('toggle')) update(() => { const t = store.todos.find((t) => t.id === id); t.completed = !t.completed; });
    else if (e.target.classList.contains('destroy')) update(() => { store.todos = store.todos.filter((t) => t.id !== id); });
  });

  $('#toggle-all').addEventListener('click', () => {
    const all = store.todos.every((t) => t.completed);
    update(() => store.todos.forEach((t) => (t.completed = !all)));
  });

  function route() {
    const hash = location.hash.replace(/^#\/?/, '');
    filter = hash === 'active' || hash === 'completed' ? hash : 'all';
    render();
  }
  window.addEventListener('hashchange', route);

  window.app = {
    clearCompleted() {
      update(() => { store.todos = store.todos.filter((t) => !t.completed); });
    },
    setFilter(name) {
      location.hash = name === 'all' ? '#/' : `#/${name}`;
    },
  };

  // a pending timer and an animation frame, as real apps have: the status line updates after load
  document.addEventListener('DOMContentLoaded', () => {
    requestAnimationFrame(() => { $('.status').textContent = 'ready'; });
    setTimeout(() => { $('.status').textContent = `ready, ${store.todos.length} stored`; }, 500);
  });
  fetch('config.json').then((r) => r.json()).then((config) => { document.title = config.title; $('h1').textContent = config.heading; });
  route();
})();
