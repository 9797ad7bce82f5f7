// 'crypto': randomness from the host through one service that fills a realm typed array.
import { services } from './services.js';
function getRandomValues(array) {
  services.randomFill(array);
  return array;
}
function randomUUID() {
  const b = getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
export const webcrypto = { getRandomValues, randomUUID, subtle: undefined };
export { randomUUID };
export default { webcrypto, randomUUID };
