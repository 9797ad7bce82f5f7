// The typed check of a state a delta made (delta.ts): a delta refills records in place, and a refilled
// record may stand in positions the delta never names (an iterator record in the register of a frame
// the delta left as it was, a flag record of a resolving function…). So after a delta is read, every
// position of the whole state is checked as a whole restore checks it (typed.ts): every frame
// against the verifier's shape at its pc, every environment slot against its declaration, every
// record against the schema of the position that holds it (promise states and their reactions,
// generator states, the states of promise functions, stamped records, jobs), every private field,
// global binding, timer argument and pending rejection a guest value.
import type { Engine } from '../interpreter/index';
import { Env, type Frame, PrivateName, type Verifier, getBuiltinClosureRecord, getPromiseRecord } from '../interpreter/state';
import { SnapshotError, isObject } from './format';
import { adoptRecord, type RestoreTable } from './restore';
import { TypedRestore, newRestoredRecords } from './typed';

/**
 * Check every engine position of `engine`, whose records and objects are those of `table`, as a whole
 * restore would; a SnapshotError names the first position that holds what it must not. `verifier`
 * may be kept between checks of one engine (each code is verified once).
 */
export function checkState(engine: Engine, table: RestoreTable, verifier: Verifier): void {
  if (engine.modules.modules.size > 0) throw new SnapshotError('damaged delta: the program has modules (deltas cover scripts)');
  const made = newRestoredRecords();
  const frames: Frame[] = [];
  const envs: [Env, number][] = [];
  const names: [PrivateName, number][] = [];
  const none = new Set<unknown>();
  table.recs.forEach((r, id) => {
    if (!isObject(r)) return;
    const kind = adoptRecord(r, id, none, made);
    if (kind === 'Frame') frames.push(r as Frame);
    else if (kind === 'Env') envs.push([r as Env, id]);
    else if (kind === 'PrivateName') names.push([r as PrivateName, id]);
  });
  const t = new TypedRestore(engine, made, verifier);
  const vm = engine.vm;

  // frames: first how each can resume, then what each holds. Only the running computation's frames
  // are linked to their callers: a suspended frame's caller is stale (its resumer sets it), and is
  // cleared as a whole restore leaves it
  const running = new Set<Frame>();
  for (let f = engine.pendingFrame; f && !running.has(f); f = f.caller) running.add(f);
  for (const f of frames) if (!running.has(f)) f.caller = null;
  for (const f of frames) t.frameResumeKinds(f);
  for (const f of frames) t.checkFrame(f);
  if (engine.pendingFrame) t.expect(engine.pendingFrame, t.frame('loop'), 'the running computation');

  for (const [e, id] of envs) {
    const where = `environment ${id}`;
    if (e.parent !== null && !(e.parent instanceof Env)) t.fail(where, `${t.describe(e.parent)} where the engine holds its parent environment`);
    if (e.desc === null) {
      if (e.object === null || t.value(e.object) !== null || e.vars.length) t.fail(where, 'a with environment without a guest object');
    } else {
      if (!Array.isArray(e.vars) || e.vars.length !== e.desc.names.length) t.fail(where, 'an environment with the wrong number of slots');
      e.vars.forEach((v, i) => t.slot(e, i, v, where, null));
    }
    for (const [name, b] of e.extra ?? []) t.expect(b?.value, t.value, `${where} binding '${name}'`);
  }
  for (const [pn, id] of names) {
    const where = `private name ${id}`;
    t.expect(pn.kind, t.oneOf('field', 'method', 'accessor'), where);
    for (const k of ['value', 'getter', 'setter'] as const) t.expect(pn[k], t.value, `${where} ${k}`);
  }

  // the records objects carry: promise states, generator states, promise functions' states, stamped records, private fields
  const stamped = [...vm.stampedKinds].filter(([, k]) => !k.decode); // a decoded record is a service's live one, made by its decode
  table.objs.forEach((o, id) => {
    if (!isObject(o)) return;
    const where = `$o[${id}]`;
    const p = getPromiseRecord(o);
    if (p) t.expect(p, t.promiseRecord, `${where}: a promise state`);
    const g = vm.generators.get(o);
    if (g) t.expect(g, t.generatorState, `${where}: a generator state`);
    const b = getBuiltinClosureRecord(o);
    if (b) t.expect(b, t.builtinClosure, `${where}: the state of a promise function`);
    for (const [kind, k] of stamped) {
      const r = k.stamp.get(o);
      if (r !== undefined) t.expect(r, t.stamped[kind] ?? t.serviceData, `${where}: the record of a ${kind}`);
    }
    for (const [pn, v] of vm.privates.get(o) ?? []) {
      if (!(pn instanceof PrivateName)) t.fail(where, 'a private field without a private name');
      t.expect(v, t.value, `${where} private field ${pn.description}`);
    }
  });

  // queues and globals
  engine.queue.jobs.forEach((j, i) => t.expect(j, t.job, `job ${i}`));
  for (const [id, timer] of engine.timers.timers) {
    t.expect(timer.callback, t.value, `timer ${id} callback`);
    timer.args.forEach((a, i) => t.expect(a, t.value, `timer ${id} argument ${i}`));
  }
  for (const p of engine.rejections.pending) if (!getPromiseRecord(p)) t.fail('a pending rejection', `${t.describe(p)} where the engine holds a promise`);
  for (const [name, b] of vm.globalLex) t.expect(b.value, t.valueOrHole, `global binding '${name}'`);
}
