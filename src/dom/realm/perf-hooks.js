// 'node:perf_hooks': happy-dom only exposes these classes on the window.
export class PerformanceEntry {}
export class PerformanceObserver {
  constructor(callback) {
    this.callback = callback;
  }
  observe() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
export default { PerformanceEntry, PerformanceObserver };
