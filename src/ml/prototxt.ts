// Caffe's prototxt (protobuf text format) read into plain records: every field is an array of its
// values (fields repeat freely in text format), messages are nested records.
export type TextValue = string | number | boolean | TextMessage;
export interface TextMessage {
  [field: string]: TextValue[];
}

/** Parse protobuf text format; `file` names the source in errors (with line numbers). */
export function parsePrototxt(text: string, file = 'prototxt'): TextMessage {
  const tokens = tokenize(text, file);
  let i = 0;
  const fail = (msg: string): never => {
    const tok = tokens[Math.min(i, tokens.length - 1)];
    throw new Error(`${file}:${tok ? tok.line : 1}: ${msg}`);
  };
  const message = (closing: string | null): TextMessage => {
    const out: TextMessage = {};
    for (;;) {
      const tok = tokens[i];
      if (!tok) {
        if (closing) fail(`missing '${closing}'`);
        return out;
      }
      if (tok.kind === 'punct' && tok.text === closing) {
        i++;
        return out;
      }
      if (tok.kind !== 'word') fail(`expected a field name, found '${tok.text}'`);
      const name = tok.text;
      i++;
      let next = tokens[i];
      if (next?.kind === 'punct' && next.text === ':') next = tokens[++i];
      if (!next) return fail(`field ${name} has no value`);
      let value: TextValue;
      if (next.kind === 'punct' && (next.text === '{' || next.text === '<')) {
        i++;
        value = message(next.text === '{' ? '}' : '>');
      } else if (next.kind === 'punct' && next.text === '[') {
        // list shorthand: field: [a, b, c]
        i++;
        const list: TextValue[] = [];
        while (tokens[i] && !(tokens[i]!.kind === 'punct' && tokens[i]!.text === ']')) {
          const t = tokens[i++]!;
          if (t.kind === 'punct' && t.text === ',') continue;
          list.push(scalar(t));
        }
        i++;
        (out[name] ??= []).push(...list);
        continue;
      } else {
        i++;
        value = scalar(next);
      }
      (out[name] ??= []).push(value);
      const sep = tokens[i];
      if (sep?.kind === 'punct' && (sep.text === ',' || sep.text === ';')) i++;
    }
  };
  const scalar = (t: Token): TextValue => {
    if (t.kind === 'string') return t.text;
    if (t.kind === 'punct') return fail(`unexpected '${t.text}'`);
    if (t.text === 'true') return true;
    if (t.text === 'false') return false;
    const n = Number(t.text);
    return Number.isNaN(n) ? t.text : n; // enum identifiers stay strings
  };
  return message(null);
}

interface Token {
  kind: 'word' | 'string' | 'punct';
  text: string;
  line: number;
}

function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  const re = /\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{}<>[\]:,;])|([A-Za-z0-9_.+-]+)|(.)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const [all, dq, sq, punct, word, bad] = m;
    if (bad !== undefined) throw new Error(`${file}:${line}: unexpected character '${bad}'`);
    if (dq !== undefined || sq !== undefined) out.push({ kind: 'string', text: JSON.parse(`"${(dq ?? sq)!.replace(/\\'/g, "'")}"`), line });
    else if (punct !== undefined) out.push({ kind: 'punct', text: punct, line });
    else if (word !== undefined) out.push({ kind: 'word', text: word, line });
    for (const c of all) if (c === '\n') line++;
  }
  return out;
}

/** The single value of a field, or `fallback`. */
export function field<T extends TextValue>(m: TextMessage | undefined, name: string, fallback: T): T;
export function field<T extends TextValue>(m: TextMessage | undefined, name: string): T | undefined;
export function field(m: TextMessage | undefined, name: string, fallback?: TextValue): TextValue | undefined {
  const v = m?.[name];
  return v && v.length ? v[v.length - 1] : fallback;
}

export function fields<T extends TextValue>(m: TextMessage | undefined, name: string): T[] {
  return (m?.[name] ?? []) as T[];
}
