// The project's own conformance tests (test262 format, conformance/tests/) through the runner, with
// the checked-in expected-failure list: an unexpected failure or pass fails this test (and CI).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

t.test('own conformance tests match conformance/own-expected-failures.txt', (t) => {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/conformance/runner.js'), '--own', '--jobs', '2'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  const total = /^total\s+([\d.]+)%\s+(\d+) pass\s+(\d+) fail/m.exec(out);
  t.ok(total, 'the runner printed its totals');
  if (total) t.ok(Number(total[2]) > 150, `${total[2]} runs passed (${total[1]} %)`);
  t.equal(r.status, 0, r.status === 0 ? 'no unexpected results' : out.slice(-3000));
  t.end();
});
