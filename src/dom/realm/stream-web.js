// 'stream/web' for happy-dom inside the guest realm: the WHATWG streams ponyfill.
import { ReadableStream, WritableStream, TransformStream } from 'web-streams-polyfill';
export { ReadableStream, WritableStream, TransformStream };
export default { ReadableStream, WritableStream, TransformStream };
