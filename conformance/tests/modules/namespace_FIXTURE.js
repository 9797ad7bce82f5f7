// snapvm conformance fixture (MIT)
export const a = 'A';
export let b = 1;
export { b as 'with space' };
export default function () {
  return 'default export';
}
function bump() {
  b++;
}
export { bump };
