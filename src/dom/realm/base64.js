// `atob` for the bundle's own use (the `entities` package decodes its HTML entity tables from base64
// when happy-dom loads; without an atob it takes the `buffer` polyfill, ~40–60 ms of every page load
// and restore): one host service, a string in and a string out.
import { services } from './services.js';

export function atob(data) {
  return services.decodeBase64(String(data));
}
