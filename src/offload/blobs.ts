// Big buffers cross the link once (issue 6: "a model the app uses is sent once under its content
// hash and cached on the server for later sessions"). A snapshot writes an ArrayBuffer's bytes as a
// base64 literal (`$.arrayBuffer("…")`: a model's bytes held by an `ort` session or a WebNN graph, an
// image); on the wire each literal of at least BLOB_MIN characters whose bytes the other side holds is
// replaced by a marker naming the SHA-256 of its bytes, and the receiver puts the literal back before
// it checks the snapshot's hash (taken over the whole text) and restores it. The server keeps blobs
// per server, checked against their hash on arrival (no client can place bytes under another's hash),
// so a second session of the same model uploads nothing; each side of a session knows what the other
// holds, so the state coming back refers to the client's own copy too.
// Accepted risk: the `blobs?` answer and a marker's expansion work across sessions by hash alone, so a
// session that can name a blob's SHA-256 learns that the server holds it and can have its program read
// the bytes. Naming it needs the hash to have leaked (markers travel only between a client and the
// server; the log and errors name 12-hex prefixes only), and the cache is meant for shared content
// (models): what is left is confirming a guessed file. Private blobs would need proof of possession
// (an HMAC of the bytes under a server nonce) before a session may use a blob it did not send.
import { createHash } from 'node:crypto';
import { isHash } from './protocol';

/** Literals shorter than this travel as they are. */
export const BLOB_MIN = 16 * 1024;

const LITERAL = /\$\.arrayBuffer\("([A-Za-z0-9+/]+=*)"/g;
const MARKER = /\0snapvm-blob:([0-9a-f]{64})\0/g;
const marker = (hash: string) => `\0snapvm-blob:${hash}\0`;

/** The SHA-256 (hex) of the bytes a base64 literal holds. */
export function blobHash(base64: string): string {
  return createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');
}

/** The big literals of `text`: hash → base64 (each hashed once). */
export function blobsOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(LITERAL)) if (m[1]!.length >= BLOB_MIN) out.set(blobHash(m[1]!), m[1]!);
  return out;
}

/** `text` with each big literal whose hash `known` accepts replaced by its marker. */
export function compact(text: string, known: (hash: string) => boolean): string {
  if (text.length < BLOB_MIN) return text;
  return text.replace(LITERAL, (all, b64: string) => {
    if (b64.length < BLOB_MIN) return all;
    const h = blobHash(b64);
    return known(h) ? `$.arrayBuffer("${marker(h)}"` : all;
  });
}

/** `text` with its markers replaced by the literals `lookup` gives; a string says which blob is missing. */
export function expand(text: string, lookup: (hash: string) => string | undefined): { text: string } | string {
  if (!text.includes('\0')) return { text };
  let missing: string | null = null;
  const out = text.replace(MARKER, (all, h: string) => {
    const b64 = lookup(h);
    if (b64 === undefined) missing ??= h;
    return b64 ?? all;
  });
  return missing === null ? { text: out } : `it refers to a buffer ${(missing as string).slice(0, 12)}… this side does not hold`;
}

/** A big base64 literal a client sent under `hash`: null, or why it is refused. */
function checkBlob(hash: string, base64: string): string | null {
  if (!/^[A-Za-z0-9+/]*=*$/.test(base64) || base64.length < BLOB_MIN) return 'a blob that is not a big base64 literal';
  return blobHash(base64) !== hash ? 'a blob whose bytes do not match their sha256' : null;
}

/**
 * The server's blobs, by hash, up to `maxBytes` characters (the least recently used go first). `check`
 * refuses what may not be kept under a hash (by default: a big base64 literal whose bytes have that hash);
 * `what` names the content in its answers.
 */
export class BlobCache {
  private readonly blobs = new Map<string, string>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly check: (hash: string, data: string) => string | null = checkBlob,
    private readonly what = 'a blob',
  ) {}

  /** Keep what a client sent; a string says why not. */
  put(hash: string, base64: string): string | null {
    if (!isHash(hash)) return `${this.what} without a SHA-256 hash`;
    const why = this.check(hash, base64);
    if (why) return why;
    if (base64.length > this.maxBytes) return `${this.what} larger than the server keeps (${this.maxBytes} characters)`;
    if (!this.blobs.has(hash)) {
      this.blobs.set(hash, base64);
      this.bytes += base64.length;
      for (const [h, b] of this.blobs) {
        if (this.bytes <= this.maxBytes) break;
        this.blobs.delete(h);
        this.bytes -= b.length;
      }
    }
    return null;
  }

  /** A blob, now the most recently used. */
  get(hash: string): string | undefined {
    const b = this.blobs.get(hash);
    if (b !== undefined) {
      this.blobs.delete(hash);
      this.blobs.set(hash, b);
    }
    return b;
  }

  has(hash: string): boolean {
    return this.blobs.has(hash);
  }

  status(): { blobs: number; bytes: number } {
    return { blobs: this.blobs.size, bytes: this.bytes };
  }
}
