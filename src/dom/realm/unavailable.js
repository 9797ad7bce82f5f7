// Node modules happy-dom uses only for network, file-system caching, synchronous fetch and WebSocket
// (fs, path, http, https, zlib, net, child_process, ws): pages in snapvm reach none of them. Any use
// fails with a clear guest error; page fetch is the DOM room's own service.
function unavailable() {
  throw new Error('not available to pages in snapvm (network and file system go through fetch of the app\'s own files)');
}
export function isIP(s) {
  if (/^(\d{1,3})(\.\d{1,3}){3}$/.test(s)) return 4;
  return /^[0-9a-f:]+$/i.test(s) && s.includes(':') ? 6 : 0;
}
const handler = { get: (_t, k) => (k === 'isIP' ? isIP : k === '__esModule' ? false : unavailable) };
const stub = new Proxy({}, handler);
export default stub;
export const request = unavailable;
export const get = unavailable;
export const readFileSync = unavailable;
export const existsSync = () => false;
export const promises = stub;
export const join = (...p) => p.join('/');
export const resolve = (...p) => p.join('/');
export const dirname = (p) => p.replace(/\/[^/]*$/, '');
export const execFileSync = unavailable;
export const createGunzip = unavailable;
export const createInflate = unavailable;
export const createBrotliDecompress = unavailable;
export const constants = {};
export class WebSocket {
  constructor() {
    unavailable();
  }
}
