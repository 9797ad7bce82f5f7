// Globals of Node that happy-dom and its dependencies use without importing them: esbuild's `inject`
// turns each free use into an import of these realm-side definitions.
export { TextEncoder, TextDecoder } from './util.js';
export { URL, URLSearchParams } from 'whatwg-url';
export { Buffer } from 'buffer/index.js';
export { structuredClone } from './structured-clone.js';
export { atob } from './base64.js';
// The page controller's hooks into happy-dom's own code (bundle.ts patches it to call them): functions a page
// snapshot can name (controller paths), where happy-dom would make a closure per call that none could.
export const __snapvm_hooks = { listenerRejected: null };
