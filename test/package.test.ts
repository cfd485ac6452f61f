/**
 * The package as a user gets it: `npm pack`, then the example project under examples/ is
 * copied to a temporary directory, installs the tarball, and its own `npm test` passes;
 * the installed `writepath` command runs a scenario that imports 'writepath', and the compiled
 * `writepath/checker` runs its parallel searches (worker threads loaded from dist/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd: string, args: string[], cwd: string): { code: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Inside node --test, a child test run would report to this one instead of printing its summary.
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test('the example project installs the packed tarball in a temporary directory and its test passes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-pkg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pack = run('npm', ['pack', '--silent', '--pack-destination', dir], root);
  assert.equal(pack.code, 0, pack.out);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball !== undefined, pack.out);
  const proj = join(dir, 'block-store');
  cpSync(join(root, 'examples', 'block-store'), proj, { recursive: true, filter: (src) => !src.includes('node_modules') });
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], proj);
  assert.equal(install.code, 0, install.out);
  const tests = run('npm', ['test'], proj);
  assert.equal(tests.code, 0, tests.out);
  assert.match(tests.out, /^# pass 5$/m);
  assert.match(tests.out, /^# fail 0$/m);
  // The README's first use case: a scenario in the user's own directory, importing the package.
  writeFileSync(
    join(proj, 'mine.ts'),
    `import { scenario, open, pwrite, BS, DEVICES } from 'writepath';
export default scenario({ name: 'mine', description: 'one direct write', fs: { kind: 'xfs', physBlocks: 4 }, device: DEVICES.loop,
  files: [{ blocks: ['hole'] }], programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)]], maxPowerLosses: 0, expect: 'holds' });\n`,
  );
  const cli = run('npx', ['--no-install', 'writepath', 'check', '--quiet', 'mine.ts'], proj);
  assert.equal(cli.code, 0, cli.out);
  assert.match(cli.out, /^ok\s+mine\s+holds\s+holds/m);
  // The parallel searches from the compiled package: their workers are the package's .js files.
  writeFileSync(
    join(proj, 'models.mjs'),
    `export const counter = (n) => ({ name: 'counter', init: () => [0], actions: (s) => (s < n ? ['inc'] : []), next: (s) => s + 1, done: () => true });
export const grid = (n) => ({ name: 'grid', width: 2, init: () => [[0, 0]], transitions: ['x', 'y'], enabled: (s, t) => s[t] < n, apply: (s, t, out) => { out[t] = s[t] + 1; }, done: () => true });\n`,
  );
  writeFileSync(
    join(proj, 'parallel.mjs'),
    `import { checkObjectParallel, checkCompactParallel } from 'writepath/checker';
const o = await checkObjectParallel({ module: './models.mjs', export: 'counter', args: [40] }, 2);
const c = await checkCompactParallel({ module: './models.mjs', export: 'grid', args: [200] }, 2);
console.log(JSON.stringify([o.status, o.distinctStates, c.status, c.distinctStates]));\n`,
  );
  const par = run('node', ['parallel.mjs'], proj);
  assert.equal(par.code, 0, par.out);
  assert.match(par.out, /\["ok",41,"ok",40401\]/);
});
