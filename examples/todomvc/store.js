// A tiny persistent store: todos in localStorage, as TodoMVC's vanilla examples keep them.
var Store = (function () {
  function Store(name) {
    this.name = name;
    var saved = localStorage.getItem(name);
    this.todos = saved ? JSON.parse(saved) : [];
  }
  Store.prototype.save = function () {
    localStorage.setItem(this.name, JSON.stringify(this.todos));
  };
  return Store;
})();
