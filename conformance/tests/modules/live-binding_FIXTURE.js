// snapvm conformance fixture (MIT)
export let count = 0;
export { count as counter };
export function increment() {
  count++;
}
