// 'buffer' for happy-dom inside the guest realm: the npm buffer package (pure JavaScript).
import { Buffer } from 'buffer/index.js';
export { Buffer };
/** Node's Blob: happy-dom only tests `instanceof` against it; it never exists here. */
export class Blob {}
export default { Buffer, Blob };
