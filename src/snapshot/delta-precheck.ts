// What can be known of a delta from its text and the agreed state alone, checked before any of it is
// applied (delta.ts applyDelta): a delta refused here never touched the engine. Its statements name
// records by id, and each use is checked against the kept table and the records the delta itself makes:
// a kept record emptied (`$.clearRec`) must exist, one refilled (`$.rec` of a kept id) must be refilled
// as its own kind, a new one is given its fields once, every `$.ref` names a kept or a made record
// (by `$.rec`, or an environment or placeholder by its own operation), every dropped id is kept. (What the records then hold, and where, is checked by delta-check.ts on the state the delta
// made: that needs the delta applied, so such a refusal comes after the engine changed.)
import { SnapshotError, isObject } from './format';
import type { CanonicalOp } from './reader';
import { recordKind, type RestoreTable } from './restore';

/** The restore operations (restore.ts) other than `$.rec` that make a record under the id they are given first. */
const MAKERS = new Set(['env', 'withEnv', 'promiseFunction', 'moduleStep']);

/** Refuse (a SnapshotError) a delta whose operations (reader.ts canonicalOps) name records the agreed state `table` and the delta do not have. */
export function precheckDelta(calls: readonly CanonicalOp[], table: RestoreTable): void {
  const bad = (what: string): never => {
    throw new SnapshotError(`damaged delta: ${what}`);
  };
  // (deltas cover scripts: no kept record is a module's)
  const none = new Set<unknown>();
  const keptKind = (id: number): string | undefined => {
    const r = table.recs[id];
    return isObject(r) ? recordKind(r, none) : undefined;
  };
  const idOf = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return bad('a record id that is not an index');
    return v;
  };
  // the records the delta makes (a kept one refilled as its own kind); environments and placeholders
  // (their fields come with a `$.rec` of the same id) are made by their own operations
  const makes = new Set<number>();
  for (const c of calls) if (MAKERS.has(c.name)) makes.add(idOf(c.args[0]));
  const recs = new Set<number>();
  for (const c of calls) {
    if (c.name !== 'rec') continue;
    const id = idOf(c.args[0]);
    const kind = typeof c.args[1] === 'string' ? c.args[1] : '';
    const kept = keptKind(id);
    if (kept !== undefined && kept !== kind) bad(`record ${id} given as a ${kind} record, which it is not`);
    if (recs.has(id)) bad(`record ${id} made twice`);
    recs.add(id);
    makes.add(id);
  }
  for (const c of calls) {
    if (c.name === 'clearRec') {
      const id = idOf(c.args[0]);
      if (keptKind(id) === undefined) bad(`clear of record ${id}, which this state lacks`);
    } else if (c.name === 'ref') {
      const id = idOf(c.args[0]);
      if (keptKind(id) === undefined && !makes.has(id)) bad(`reference to record ${id}, which the snapshot never made`);
    } else if (c.name === 'drop') {
      const [objs, recs] = c.args;
      if (!Array.isArray(objs) || !Array.isArray(recs)) bad('a drop list');
      for (const v of objs as unknown[]) if (!(idOf(v) in table.objs)) bad(`a drop of object ${idOf(v)}, which this state lacks`);
      for (const v of recs as unknown[]) if (keptKind(idOf(v)) === undefined) bad(`a drop of record ${idOf(v)}, which this state lacks`);
    }
  }
}
