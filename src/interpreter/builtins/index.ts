// Built-ins newer than Node 20's V8, added in the guest realm (the engine runs ES2025+ programs on Node 20).
// Each is installed only where the realm lacks it, so a newer V8 keeps its own.
import type { Engine } from '../engine';
import { Ops } from './common';
import { installIteratorHelpers } from './iterator';
import { installSetMethods } from './set';
import { installGroupBy } from './group-by';
import { installMisc } from './misc';
import { installArrayFromAsync } from './array-from-async';
import { installArrayBufferTransfer } from './array-buffer';
import { installBase64 } from './base64';
import { installResourceManagement } from './resource-management';
import { installPromiseKeyed } from './promise-keyed';
import { installDateSetters } from './date-setters';
import { installArgumentsKeys } from './arguments-keys';
import { installRegExpLegacyAccessors } from './regexp-legacy';
import { installAtomicsIndexOrder } from './atomics';

export function installModernBuiltins(engine: Engine): void {
  const ops = new Ops(engine);
  const g = engine.realm.global as any;
  if (g.Iterator === undefined) installIteratorHelpers(engine, ops);
  if (g.Set.prototype.union === undefined) installSetMethods(engine, ops);
  if (g.Object.groupBy === undefined) installGroupBy(engine, ops);
  installMisc(engine, ops);
  installDateSetters(engine, ops);
  installArgumentsKeys(engine, ops);
  installRegExpLegacyAccessors(engine, ops);
  installAtomicsIndexOrder(engine, ops);
  if (g.Array.fromAsync === undefined) installArrayFromAsync(engine, ops);
  if (g.ArrayBuffer.prototype.transfer === undefined) installArrayBufferTransfer(engine, ops);
  if (g.Uint8Array.fromBase64 === undefined) installBase64(engine, ops);
  if (g.DisposableStack === undefined) installResourceManagement(engine, ops);
  if (engine.promises.Promise && (engine.promises.Promise as any).allKeyed === undefined) installPromiseKeyed(engine, ops);
}
