// `structuredClone` for happy-dom's own use (CSS declarations clone their property tables, e.g. in
// getComputedStyle): the realm has none (a node:vm context gets no Node globals). Realm code, for the
// values happy-dom clones: primitives, plain objects, arrays, Date, RegExp, Map, Set; cycles kept.
export function structuredClone(value, seen = new Map()) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  if (typeof value === 'function') throw new DOMExceptionLike(`${String(value)} could not be cloned.`);
  if (seen.has(value)) return seen.get(value);
  let out;
  if (value instanceof Date) out = new Date(value.getTime());
  else if (value instanceof RegExp) out = new RegExp(value.source, value.flags);
  else if (value instanceof Map) {
    out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) out.set(structuredClone(k, seen), structuredClone(v, seen));
    return out;
  } else if (value instanceof Set) {
    out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(structuredClone(v, seen));
    return out;
  } else {
    out = Array.isArray(value) ? [] : {};
    seen.set(value, out);
    for (const key of Object.keys(value)) out[key] = structuredClone(value[key], seen);
    return out;
  }
  seen.set(value, out);
  return out;
}

class DOMExceptionLike extends Error {
  get name() {
    return 'DataCloneError';
  }
}
