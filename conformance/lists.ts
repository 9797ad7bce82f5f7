// The checked-in lists: skip rules (skip.txt) and expected failures (expected-failures.txt).
// Both are line-based text with `#` comments, so a diff of a run's update is readable in review.

import * as fs from 'node:fs';
import type { TestMetadata } from './frontmatter';

/**
 * One skip rule. A line of skip.txt is one of
 *   test/intl402/            a path prefix (contains '/')
 *   Temporal                 a feature name from the test's `features`
 *   flag:CanBlockIsFalse     a frontmatter flag
 *   source:$262.agent        a substring of the test's source
 * followed by `# reason`.
 */
export interface SkipRule {
  kind: 'prefix' | 'feature' | 'flag' | 'source';
  value: string;
  reason: string;
}

export function readSkipList(file: string): SkipRule[] {
  if (!fs.existsSync(file)) return [];
  const rules: SkipRule[] = [];
  for (const raw of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const hash = raw.indexOf('#');
    const body = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    const reason = hash < 0 ? '' : raw.slice(hash + 1).trim();
    if (body === '') continue;
    if (body.startsWith('flag:')) rules.push({ kind: 'flag', value: body.slice(5), reason });
    else if (body.startsWith('source:')) rules.push({ kind: 'source', value: body.slice(7), reason });
    else if (body.includes('/')) rules.push({ kind: 'prefix', value: body, reason });
    else rules.push({ kind: 'feature', value: body, reason });
  }
  return rules;
}

/** The first rule that skips this test, or undefined. `source` is read lazily (only source rules need it). */
export function findSkip(rules: SkipRule[], test: string, meta: TestMetadata, source: string): SkipRule | undefined {
  for (const rule of rules) {
    switch (rule.kind) {
      case 'prefix':
        if (test.startsWith(rule.value)) return rule;
        break;
      case 'feature':
        if (meta.features.includes(rule.value)) return rule;
        break;
      case 'flag':
        if (meta.flags.has(rule.value)) return rule;
        break;
      case 'source':
        if (source.includes(rule.value)) return rule;
        break;
      default: {
        const never: never = rule.kind;
        throw new Error(`unknown skip rule kind ${String(never)}`);
      }
    }
  }
  return undefined;
}

/** A path-only prefix rule skips a whole folder before any file in it is read. */
export function skippedByPrefix(rules: SkipRule[], test: string): SkipRule | undefined {
  return rules.find((r) => r.kind === 'prefix' && test.startsWith(r.value));
}

/** `test mode` keys, each with the comment its line carried (kept across --update). */
export type ExpectedFailures = Map<string, string>;

export const entryKey = (test: string, mode: string): string => `${test} ${mode}`;

export function readExpectedFailures(file: string): ExpectedFailures {
  const out: ExpectedFailures = new Map();
  if (!fs.existsSync(file)) return out;
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const hash = raw.indexOf('#');
      const body = (hash < 0 ? raw : raw.slice(0, hash)).trim();
      if (body === '') return;
      const parts = body.split(/\s+/);
      if (parts.length !== 2) {
        throw new Error(`${file}:${index + 1}: expected "<test path> <mode>", got "${body}"`);
      }
      out.set(entryKey(parts[0]!, parts[1]!), hash < 0 ? '' : raw.slice(hash + 1).trim());
    });
  return out;
}

export function writeExpectedFailures(file: string, entries: ExpectedFailures, header: string): void {
  const lines = [...entries.keys()].sort().map((k) => {
    const comment = entries.get(k);
    return comment ? `${k}  # ${comment}` : k;
  });
  fs.writeFileSync(file, header + lines.join('\n') + (lines.length ? '\n' : ''));
}
