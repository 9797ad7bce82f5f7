// 'url' for happy-dom inside the guest realm: WHATWG URL written in JavaScript (whatwg-url), not Node's.
import { URL, URLSearchParams } from 'whatwg-url';
export { URL, URLSearchParams };
export function domainToASCII(domain) {
  try {
    return new URL(`http://${domain}`).hostname;
  } catch {
    return '';
  }
}
export function fileURLToPath(url) {
  return decodeURIComponent(new URL(String(url)).pathname);
}
export function pathToFileURL(path) {
  return new URL(`file://${encodeURI(path)}`);
}
export default { URL, URLSearchParams, domainToASCII, fileURLToPath, pathToFileURL };
