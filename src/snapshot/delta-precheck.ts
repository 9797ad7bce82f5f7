// What can be known of a delta from its text and the agreed state alone, checked before any of it is
// applied (delta.ts applyDelta): a delta refused here never touched the engine. Its statements name
// records by id, and each use is checked against the kept table and the records the delta itself makes:
// a kept record emptied (`$.clearRec`) must exist, one refilled (`$.rec` of a kept id) must be refilled
// as its own kind, a new one is given its fields once, every `$.ref` names a kept or a made record
// (by `$.rec`, or an environment or placeholder by its own operation), every dropped id is kept. (What the records then hold, and where, is checked by delta-check.ts on the state the delta
// made: that needs the delta applied, so such a refusal comes after the engine changed.)
import { SnapshotError, isObject } from './format';
import type { CanonicalNode, CanonicalStmt } from './reader';
import { adoptRecord, type RestoreTable } from './restore';
import { newRestoredRecords } from './typed';

/** The restore operations (restore.ts) other than `$.rec` that make a record under the id they are given first. */
const MAKERS = new Set(['env', 'withEnv', 'promiseFunction', 'moduleStep']);

/** Refuse (a SnapshotError) a delta whose statements name records the agreed state `table` and the delta do not have. */
export function precheckDelta(statements: readonly CanonicalStmt[], table: RestoreTable): void {
  const bad = (what: string): never => {
    throw new SnapshotError(`damaged delta: ${what}`);
  };
  const made = newRestoredRecords();
  const none = new Set<unknown>();
  const keptKind = (id: number): string | undefined => {
    const r = table.recs[id];
    return isObject(r) ? adoptRecord(r, id, none, made) : undefined;
  };
  const idOf = (n: CanonicalNode | undefined): number => {
    const v = n?.t === 'lit' ? n.v : undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return bad('a record id that is not an index');
    return v;
  };
  /** `$.name(…)`'s name, or null for another node. */
  const op = (n: CanonicalNode): string | null => (n.t === 'call' && n.callee.t === 'member' && n.callee.obj.t === 'id' && n.callee.obj.name === '$' ? n.callee.name : null);
  const calls: Extract<CanonicalNode, { t: 'call' }>[] = [];
  const walk = (n: CanonicalNode | null): void => {
    if (n === null) return;
    switch (n.t) {
      case 'call':
      case 'new':
        if (n.t === 'call' && op(n) !== null) calls.push(n);
        walk(n.callee);
        n.args.forEach(walk);
        return;
      case 'member':
        return walk(n.obj);
      case 'index':
        return (walk(n.obj), walk(n.index));
      case 'array':
        return n.items.forEach(walk);
      case 'object':
        return n.props.forEach(([, v]) => walk(v));
      case 'div':
        return (walk(n.a), walk(n.b));
    }
  };
  for (const st of statements) {
    if (st.t === 'var') st.decls.forEach(([, e]) => walk(e));
    else walk(st.t === 'assign' ? st.value : st.e);
  }
  // the records the delta makes (a kept one refilled as its own kind); environments and placeholders
  // (their fields come with a `$.rec` of the same id) are made by their own operations
  const makes = new Set<number>();
  for (const c of calls) if (MAKERS.has(op(c)!)) makes.add(idOf(c.args[0]));
  const recs = new Set<number>();
  for (const c of calls) {
    if (op(c) !== 'rec') continue;
    const id = idOf(c.args[0]);
    const kind = c.args[1]?.t === 'lit' ? String(c.args[1].v) : '';
    const kept = keptKind(id);
    if (kept !== undefined && kept !== kind) bad(`record ${id} given as a ${kind} record, which it is not`);
    if (recs.has(id)) bad(`record ${id} made twice`);
    recs.add(id);
    makes.add(id);
  }
  for (const c of calls) {
    const name = op(c);
    if (name === 'clearRec') {
      const id = idOf(c.args[0]);
      if (keptKind(id) === undefined) bad(`clear of record ${id}, which this state lacks`);
    } else if (name === 'ref') {
      const id = idOf(c.args[0]);
      if (keptKind(id) === undefined && !makes.has(id)) bad(`reference to record ${id}, which the snapshot never made`);
    } else if (name === 'drop') {
      const [objs, recs] = c.args;
      if (objs?.t !== 'array' || recs?.t !== 'array') bad('a drop list');
      for (const n of (objs as Extract<CanonicalNode, { t: 'array' }>).items) if (!(idOf(n ?? undefined) in table.objs)) bad(`a drop of object ${idOf(n ?? undefined)}, which this state lacks`);
      for (const n of (recs as Extract<CanonicalNode, { t: 'array' }>).items) if (keptKind(idOf(n ?? undefined)) === undefined) bad(`a drop of record ${idOf(n ?? undefined)}, which this state lacks`);
    }
  }
}
