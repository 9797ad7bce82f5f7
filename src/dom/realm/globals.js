// Globals of Node that happy-dom and its dependencies use without importing them: esbuild's `inject`
// turns each free use into an import of these realm-side definitions.
export { TextEncoder, TextDecoder } from './util.js';
export { URL, URLSearchParams } from 'whatwg-url';
export { Buffer } from 'buffer/index.js';
export { structuredClone } from './structured-clone.js';
export { atob } from './base64.js';
