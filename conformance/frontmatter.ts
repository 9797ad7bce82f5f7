// test262 test metadata: the YAML between `/*---` and `---*/` (INTERPRETING.md, "Metadata").
// The frontmatter uses a tiny YAML subset (scalars, flow lists, block lists, one nested map for
// `negative`, block scalars for prose), so a 60-line reader replaces a YAML dependency.

export type Phase = 'parse' | 'resolution' | 'runtime';

export interface TestMetadata {
  description: string;
  includes: string[];
  flags: Set<string>;
  features: string[];
  negative?: { phase: Phase; type: string };
}

type Value = string | string[] | Record<string, string>;

export function parseFrontmatter(source: string, file: string): TestMetadata {
  const start = source.indexOf('/*---');
  const end = start < 0 ? -1 : source.indexOf('---*/', start);
  const fields = start < 0 || end < 0 ? {} : parseYamlSubset(source.slice(start + 5, end));
  const list = (v: Value | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? (v === '' ? [] : [v]) : Array.isArray(v) ? v : []);
  const meta: TestMetadata = {
    description: typeof fields.description === 'string' ? fields.description : '',
    includes: list(fields.includes),
    flags: new Set(list(fields.flags)),
    features: list(fields.features),
  };
  const negative = fields.negative;
  if (negative !== undefined) {
    if (typeof negative !== 'object' || Array.isArray(negative) || !negative.phase || !negative.type) {
      throw new Error(`${file}: frontmatter 'negative' needs 'phase' and 'type'`);
    }
    if (!['parse', 'resolution', 'runtime'].includes(negative.phase)) {
      throw new Error(`${file}: unknown negative phase '${negative.phase}'`);
    }
    meta.negative = { phase: negative.phase as Phase, type: negative.type };
  }
  return meta;
}

/** Top-level `key: value` pairs; a value is a scalar, a flow or block list, or a one-level map. */
function parseYamlSubset(text: string): Record<string, Value> {
  const out: Record<string, Value> = {};
  const lines = text.split(/\r\n?|[\n\u2028\u2029]/); // (line-terminator tests end their lines with CR, LS or PS)
  let i = 0;
  while (i < lines.length) {
    const line = lines[i++]!;
    const m = /^([A-Za-z_][\w-]*):\s*(.*)$/.exec(line);
    if (!m) continue; // prose continuation lines, comments, blank lines
    const key = m[1]!;
    const rest = stripComment(m[2]!).trim();
    if (rest.startsWith('[')) {
      out[key] = splitFlowList(rest);
    } else if (rest === '' || rest === '|' || rest === '>' || /^[|>][-+]?$/.test(rest)) {
      // A block follows: indented lines until the next top-level key.
      const block: string[] = [];
      while (i < lines.length && (lines[i]!.trim() === '' || /^\s/.test(lines[i]!))) block.push(lines[i++]!);
      const items = block.map((l) => stripComment(l).trim()).filter((l) => l !== '');
      if (rest !== '' || items.length === 0) {
        out[key] = block
          .map((l) => l.trim())
          .join('\n')
          .trim();
      } else if (items.every((l) => l.startsWith('-'))) {
        out[key] = items.map((l) => unquote(l.slice(1).trim()));
      } else if (items.every((l) => /^[\w-]+:/.test(l))) {
        const map: Record<string, string> = {};
        for (const l of items) {
          const c = l.indexOf(':');
          map[l.slice(0, c).trim()] = unquote(l.slice(c + 1).trim());
        }
        out[key] = map;
      } else {
        out[key] = items.join(' ');
      }
    } else {
      out[key] = unquote(rest);
    }
  }
  return out;
}

function splitFlowList(text: string): string[] {
  const inner = text.replace(/^\[/, '').replace(/\]\s*$/, '');
  return inner
    .split(',')
    .map((s) => unquote(s.trim()))
    .filter((s) => s !== '');
}

function stripComment(s: string): string {
  const i = s.search(/(^|\s)#/);
  return i < 0 ? s : s.slice(0, i);
}

function unquote(s: string): string {
  return /^(['"]).*\1$/.test(s) ? s.slice(1, -1) : s;
}
