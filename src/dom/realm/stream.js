// 'stream': happy-dom exposes Node's stream classes as window.WritableStream/TransformStream and uses
// Readable only for network bodies (not available to pages here). The WHATWG classes stand in.
import { ReadableStream, WritableStream, TransformStream } from 'web-streams-polyfill';
export class Readable {
  static from() {
    throw new TypeError('Node streams are not available to pages in snapvm');
  }
}
export const Writable = WritableStream;
export const Transform = TransformStream;
export { ReadableStream };
export default { Readable, Writable, Transform };
