// `snapvm inspect`: what a snapshot holds, read from its envelope and the stats line capture wrote,
// without running it.
import { readHeader, SnapshotError, MAGIC, STATS_AT_END } from './format';
import type { SnapshotStats } from './capture';

function kb(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`;
}

export function readStats(code: string): SnapshotStats {
  const start = code.indexOf('\n', MAGIC.length + 1) + 1;
  const end = code.indexOf('\n', start);
  let line = code.slice(start, end);
  // a streamed capture writes its stats before the trailer (format.ts)
  if (line === STATS_AT_END) {
    const at = code.lastIndexOf('\n// stats ') + 1;
    line = at > 0 ? code.slice(at, code.indexOf('\n', at)) : '';
  }
  if (!line.startsWith('// stats ')) throw new SnapshotError('damaged snapshot: its stats line is missing');
  try {
    return JSON.parse(line.slice('// stats '.length)) as SnapshotStats;
  } catch {
    throw new SnapshotError('damaged snapshot: its stats line does not parse');
  }
}

export function inspectSnapshot(code: string): string {
  const header = readHeader(code);
  const s = readStats(code);
  const out: string[] = [];
  const when = s.safepoint ? `taken at a safe point during turn ${s.turn} (the running computation resumes on restore)` : `taken after turn ${s.turn}`;
  out.push(`snapvm snapshot, format ${header.version}, ${when}${header.options.test262Host ? ' (test262 host)' : ''}`);
  out.push(`size ${kb(Buffer.byteLength(code))}, captured in ${s.captureMs.toFixed(1)} ms`);
  const pt = s.portable;
  out.push(
    pt === undefined
      ? 'portable: unknown'
      : pt.ok
        ? `portable: yes, \`node SNAP\` rebuilds and continues it (portable section ${kb(pt.bytes)}, written in ${pt.ms.toFixed(1)} ms)`
        : `portable: no (${pt.reason})`,
  );
  out.push(`objects ${s.objects} (functions ${s.functions}), engine records ${s.records}, suspended frames ${s.frames}, compile units ${s.units}`);
  out.push('');
  out.push('by kind                       count      bytes');
  const kinds = new Set([...Object.keys(s.byKind), ...Object.keys(s.bytesByKind)]);
  const rows = [...kinds].map((k) => [k, s.byKind[k] ?? 0, s.bytesByKind[k] ?? 0] as const).sort((a, b) => b[2] - a[2] || b[1] - a[1]);
  for (const [k, n, b] of rows) out.push(`  ${k.padEnd(26)} ${String(n || '').padStart(6)} ${kb(b).padStart(10)}`);
  out.push('');
  const r = s.roots;
  out.push('roots');
  out.push(`  global object and built-ins: ${r.globalChanges} changes from a fresh engine`);
  out.push(`  global lexical bindings:     ${r.lexicals}`);
  out.push(`  pending jobs (microtasks):   ${r.jobs}`);
  out.push(`  timers:                      ${r.timers}`);
  out.push(`  unhandled rejections:        ${r.rejections}`);
  out.push('');
  out.push(s.frameList.length ? 'suspended frames (innermost running frame first)' : 'suspended frames: none (the snapshot has no running code)');
  for (const f of s.frameList) out.push(`  ${f.name}  at ${f.at}`);
  out.push('');
  out.push('compile units');
  for (const u of s.unitList) out.push(`  ${u.file}  ${u.kind}  ${kb(u.bytes)}`);
  return out.join('\n') + '\n';
}
