// `structuredClone` for happy-dom's own use (CSS declarations clone their property tables, e.g. in
// getComputedStyle): the realm has none (a node:vm context gets no Node globals). Realm code, for the
// values happy-dom clones: primitives, plain objects, arrays, Date, RegExp, Map, Set; cycles kept.
export function structuredClone(value, seen = new Map()) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  if (typeof value === 'function') throw new DOMExceptionLike(`${String(value)} could not be cloned.`);
  if (seen.has(value)) return seen.get(value);
  if (value instanceof Date) return remember(seen, value, new Date(value.getTime()));
  if (value instanceof RegExp) return remember(seen, value, new RegExp(value.source, value.flags));
  if (value instanceof Map) {
    const out = remember(seen, value, new Map());
    for (const [k, v] of value) out.set(structuredClone(k, seen), structuredClone(v, seen));
    return out;
  }
  if (value instanceof Set) {
    const out = remember(seen, value, new Set());
    for (const v of value) out.add(structuredClone(v, seen));
    return out;
  }
  const out = remember(seen, value, Array.isArray(value) ? [] : {});
  for (const key of Object.keys(value)) out[key] = structuredClone(value[key], seen);
  return out;
}

/** `out` is `value`'s clone (set before its contents are cloned: a cycle finds it). */
function remember(seen, value, out) {
  seen.set(value, out);
  return out;
}

class DOMExceptionLike extends Error {
  get name() {
    return 'DataCloneError';
  }
}
