// RegExp pattern modifiers (ES2025 `(?i:…)`, `(?-m:…)`, `(?s-i:…)`) on Node 20's V8, which lacks them.
//
// A pattern V8 rejects whose text has a modifier group is rewritten into one V8 accepts and that
// matches the same strings (regexpu-core's `modifiers: 'transform'`): under `(?i:)` each atom becomes
// the class of its case variants (`(?i:a)` → `(?:[Aa])`), `(?s:.)` → `[^]`, `(?m:^)` → a lookbehind for
// a line terminator. A flag the pattern turns off somewhere (`/(?-i:a)b/i`) is taken off the regexp
// and the whole pattern is wrapped in a group that turns it on (`(?i:(?-i:a)b)`), so the rewrite only
// ever *adds* a modifier. Under `iu`/`iv`, `\w`, `\W`, `\b`, `\B` also match U+017F and U+212A (their
// case folds are `s` and `k`), which a rewritten class must say explicitly.
// What cannot be said without V8's `i` flag is a case-insensitive backreference (`(a)(?i:\1)`): such a
// pattern is a SyntaxError naming the reason, not a regexp that silently matches differently.
//
// Where: regexp literals at compile time (compiler.ts keeps the rewritten pattern in the literal's
// constant: no cost at run time) and `new RegExp(string, string)` or `RegExp(string, string)` called
// directly (one path, vm.ts `regExp`, only after V8 has rejected the pattern). A rewritten regexp is an
// ordinary V8 regexp: its `source` and `flags` are the rewritten ones (a snapshot holds those and
// restores the same matcher); `Reflect.construct(RegExp, …)`, `RegExp.call(…)` and
// `RegExp.prototype.compile` are not rewritten.
// Duplicate named groups (`(?<a>x)|(?<a>y)`) are not rewritten: exec results would need their
// `groups` mapped back, which V8's built-in exec (kept for speed) cannot do; they stay V8's SyntaxError.
// Why rewrite rather than patch: patching RegExp.prototype or the constructor made regexp-heavy guest code
// 4-8x slower (V8's regexp fast paths need them untouched).

const rewritePattern = require('regexpu-core') as (pattern: string, flags: string, options: object) => string;
const regjsparser = require('regjsparser') as { parse(pattern: string, flags: string, options: object): RegexNode };

interface RegexNode {
  type: string;
  kind?: string;
  value?: string;
  behavior?: string;
  range: [number, number];
  body?: RegexNode[];
  modifierFlags?: { enabling: string; disabling: string };
}

/** A pattern with a modifier group that cannot be rewritten for V8 (the message says why). */
export class RegExpRewriteError extends Error {}

/** Looks like a modifier group: `(?` then flags, maybe `-` and flags, then `:` (not `(?:`). */
const MODIFIER_GROUP = /\(\?(?:[a-zA-Z]+-?[a-zA-Z]*|-[a-zA-Z]*):/;

/** The case variants of `\w` under `iu`/`iv` that `\w` itself lacks (ſ folds to s, K to k). */
const WORD_EXTRA = '\\u017F\\u212A';
const WORD = `[\\w${WORD_EXTRA}]`;
const NOT_WORD = `[^\\w${WORD_EXTRA}]`;
const BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;
const NOT_BOUNDARY = `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`;

const cache = new Map<string, { pattern: string; flags: string } | RegExpRewriteError>();

/**
 * The pattern and flags to give V8 for `pattern`/`flags` when the pattern has modifier groups, or
 * null when it has none (the caller keeps V8's own verdict). Throws RegExpRewriteError (with V8's
 * wording, `Invalid regular expression: /…/…: reason`) for an invalid pattern or one that cannot be
 * rewritten. Call it only for a pattern V8 rejected: a valid pattern needs no rewriting.
 */
export function rewriteModifiers(pattern: string, flags: string): { pattern: string; flags: string } | null {
  if (!MODIFIER_GROUP.test(pattern)) return null;
  const key = `${flags}/${pattern}`;
  let r = cache.get(key);
  if (r === undefined) {
    try {
      r = rewrite(pattern, flags);
    } catch (e) {
      const reason = e instanceof RegExpRewriteError ? e.message : String((e as Error).message).split('\n')[0];
      r = new RegExpRewriteError(`Invalid regular expression: /${pattern}/${flags}: ${reason}`);
    }
    if (cache.size > 256) cache.clear();
    cache.set(key, r);
  }
  if (r instanceof RegExpRewriteError) throw r;
  return r;
}

/**
 * A regexp literal's constant (compiler.ts): the pattern itself, or its rewrite when V8 rejects it
 * for its modifier groups, or `error` (the SyntaxError the literal throws when evaluated).
 */
export function literalRegExp(pattern: string, flags: string): { pattern: string; flags: string; error?: string } {
  if (!MODIFIER_GROUP.test(pattern)) return { pattern, flags };
  try {
    new RegExp(pattern, flags);
    return { pattern, flags };
  } catch {
    try {
      return rewriteModifiers(pattern, flags) ?? { pattern, flags };
    } catch (e) {
      return { pattern, flags, error: (e as Error).message };
    }
  }
}

function rewrite(pattern: string, flags: string): { pattern: string; flags: string } {
  const unicode = flags.includes('u') || flags.includes('v');
  const ast = regjsparser.parse(pattern, flags, { modifiers: true, namedGroups: true, unicodePropertyEscape: unicode, unicodeSet: flags.includes('v'), lookbehind: true });
  // flags the pattern turns off somewhere come off the regexp; a group around everything turns them on
  const disabled = new Set<string>();
  walk(ast, (n) => {
    for (const c of n.modifierFlags?.disabling ?? '') disabled.add(c);
  });
  const lifted = [...'ims'].filter((c) => flags.includes(c) && disabled.has(c)).join('');
  const outFlags = [...flags].filter((c) => !lifted.includes(c)).join('');
  // what must change before regexpu: \w \W \b \B under case-insensitive u/v; backreferences under i
  const edits: [number, number, string][] = [];
  const visit = (n: RegexNode, icase: boolean, inClass: boolean): void => {
    if (n.modifierFlags) {
      if (n.modifierFlags.enabling.includes('i')) icase = true;
      if (n.modifierFlags.disabling.includes('i')) icase = false;
    }
    if (icase && !outFlags.includes('i')) {
      if (n.type === 'reference')
        throw new RegExpRewriteError(`a backreference under a case-insensitive modifier group (${n.range ? pattern.slice(n.range[0], n.range[1]) : 'here'}) cannot be translated for this engine`);
      if (unicode && n.type === 'characterClassEscape' && (n.value === 'w' || n.value === 'W')) {
        if (!inClass) edits.push([n.range[0], n.range[1], n.value === 'w' ? WORD : NOT_WORD]);
        else if (n.value === 'w') edits.push([n.range[1], n.range[1], WORD_EXTRA]);
        else throw new RegExpRewriteError('\\W in a class under a case-insensitive modifier group cannot be translated for this engine');
      }
      if (unicode && n.type === 'anchor' && (n.kind === 'boundary' || n.kind === 'not-boundary')) {
        edits.push([n.range[0], n.range[1], n.kind === 'boundary' ? BOUNDARY : NOT_BOUNDARY]);
      }
    }
    const cls = inClass || n.type === 'characterClass';
    for (const c of n.body ?? []) visit(c, icase, cls);
  };
  visit(ast, flags.includes('i'), false);
  let text = pattern;
  for (const [from, to, by] of edits.sort((a, b) => b[0] - a[0])) text = text.slice(0, from) + by + text.slice(to);
  if (lifted) text = `(?${lifted}:${text})`;
  const out = rewritePattern(text, outFlags, { modifiers: 'transform' });
  return { pattern: out, flags: outFlags };
}

function walk(n: RegexNode, f: (n: RegexNode) => void): void {
  f(n);
  for (const c of n.body ?? []) walk(c, f);
}
