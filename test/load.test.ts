/**
 * Scenario files from anywhere (cli/load.ts), validated before any search, and the command
 * line's flags: each case runs the CLI as a user would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'writepath.js');
const specUrl = pathToFileURL(join(root, 'spec', 'index.ts')).href;

function writepath(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A small valid scenario's source; `patch` is spliced into the scenario() call. */
function scenarioSource(name: string, patch = ''): string {
  return `import { scenario, open, pwrite, BS, DEVICES } from '${specUrl}';
export default scenario({
  name: '${name}', description: 'one 4 KiB direct write, no power loss',
  fs: { kind: 'xfs', physBlocks: 4 }, device: DEVICES.loop, files: [{ blocks: ['hole'] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)]], maxPowerLosses: 0, expect: 'holds',
  ${patch}
});
`;
}

test('a .ts scenario in a directory with no package.json, and one in a CommonJS package, both load and run', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'plain'));
  mkdirSync(join(dir, 'cjs'));
  writeFileSync(join(dir, 'plain', 'mine.ts'), scenarioSource('plain-dir'));
  writeFileSync(join(dir, 'cjs', 'package.json'), '{ "name": "users-project", "type": "commonjs" }');
  writeFileSync(join(dir, 'cjs', 'mine.ts'), scenarioSource('cjs-package'));
  writeFileSync(join(dir, 'cjs', 'other.mts'), scenarioSource('cjs-package-mts'));
  const r = writepath(dir, 'check', '--quiet', 'plain', 'cjs');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ok\s+plain-dir\s+holds\s+holds/m);
  assert.match(r.stdout, /^ok\s+cjs-package\s+holds\s+holds/m);
  assert.match(r.stdout, /^ok\s+cjs-package-mts\s+holds\s+holds/m);
});

test('one bad file is reported with file:line:col, the others still run, exit 2 at the end', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a-good.ts'), scenarioSource('good'));
  writeFileSync(join(dir, 'b-syntax.ts'), `import { scenario } from '${specUrl}';\nconst x = ;\nexport default x;\n`);
  writeFileSync(join(dir, 'c-knob.ts'), scenarioSource('bad-knob', "knobs: { xfsSwAtomicRetry: 'merged' },"));
  const r = writepath(dir, 'check', '--quiet', '.');
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^ok\s+good\s+holds\s+holds/m, 'the good file ran');
  assert.match(r.stderr, /^writepath: b-syntax\.ts:2:10: syntax error: Unexpected ";"$/m);
  assert.match(r.stderr, /^writepath: c-knob\.ts:6:\d+: scenario "bad-knob": knobs\.xfsSwAtomicRetry: "merged" is not a variant; one of posted-v4, proposed-excl, merged-6\.16$/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

/** One file per validation rule: the field named in the message. */
const RULES: Array<[string, string, RegExp]> = [
  ['fs-kind', "fs: { kind: 'XFS' },", /fs\.kind: "XFS" is not a modelled file system; one of xfs, ext4, fuse/],
  ['fs-name', "fs: 'btrfs',", /fs: "btrfs" is not a modelled file system; one of xfs, ext4, fuse/],
  ['flag', "programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS, 'RWF_ATOMICC')]],", /programs\[0\]\[1\]\.flags\[0\]: "RWF_ATOMICC" is not an RWF_\* flag; one of RWF_ATOMIC/],
  ['open-flag', "programs: [[open(0, 'O_DIRECTT')]],", /programs\[0\]\[0\]\.flags\[0\]: "O_DIRECTT" is not an open flag; one of O_DIRECT, O_DSYNC, O_SYNC/],
  ['op', "programs: [[{ op: 'pwrite', fd: 0 }]],", /programs\[0\]\[0\]\.op: op "pwrite" is not a modelled syscall; one of open, pwritev2/],
  ['knob-variant', "knobs: { xfsSwAtomicRetry: 'merged' },", /knobs\.xfsSwAtomicRetry: "merged" is not a variant; one of posted-v4, proposed-excl, merged-6\.16/],
  ['knob-name', "knobs: { xfsSwAtomicRety: 'merged-6.16' },", /knobs: unknown field "xfsSwAtomicRety"; known: ext4AtomicAlloc, atomicDioInvalidateFailure, xfsSwAtomicRetry/],
  ['property', "properties: ['atomic-untron'],", /properties\[0\]: "atomic-untron" is not a property; one of atomic-untorn/],
  ['block-beyond', "files: [{ blocks: [{ written: 9 }] }],", /files\[0\]\.blocks\[0\]: physical block p9 is beyond the device \(fs\.physBlocks is 4: p0\.\.p3\)/],
  ['block-twice', "files: [{ blocks: [{ written: 1 }] }, { blocks: [{ unwritten: 1 }] }],", /files\[1\]\.blocks\[0\]: physical block p1 is already used by files\[0\]\.blocks\[0\]/],
  ['block-shape', "files: [{ blocks: [{ wrote: 1 }] }],", /files\[0\]\.blocks\[0\]: must be 'hole', \{ written: P \} or \{ unwritten: P \}/],
  ['cached', 'cached: [[0, 5]],', /cached\[0\]: block 5 is outside file 0/],
  ['open-file', "programs: [[open(3, 'O_DIRECT')]],", /programs\[0\]\[0\]\.file: file 3 does not exist/],
  ['expect', "expect: { violates: 'atomic-untron' },", /expect\.violates: "atomic-untron" is not a checked property; one of atomic-untorn/],
  ['options', "options: { maxStates: -5 },", /options\.maxStates: must be positive/],
  ['unknown-field', "maxPowerLoss: 2,", /\(scenario\): unknown field "maxPowerLoss"; known: name, fs, device/],
  ['negative', "maxIoErrors: -1,", /maxIoErrors: must not be negative/],
  ['device', "device: { ...DEVICES.loop, atomicUnitMin: 4096 },", /device: atomicUnitMin must be at most atomicUnitMax/],
  ['cluster', "fs: { kind: 'ext4', clusterBlocks: 3, physBlocks: 4 },", /fs\.clusterBlocks: must be a power of two/],
];

test('every validation rule: a scenario file that breaks it gives exit 2 and a message naming the field', (t) => {
  const dir = tempDir(t);
  for (const [name, patch] of RULES) {
    // Later keys win in an object literal, so a patch replaces the default field.
    writeFileSync(join(dir, `${name}.ts`), scenarioSource(name, patch).replace("expect: 'holds',\n  " + patch, patch.startsWith('expect') ? patch : `expect: 'holds',\n  ${patch}`));
  }
  const r = writepath(dir, 'check', '.');
  assert.equal(r.code, 2, r.stdout);
  for (const [name, , message] of RULES) {
    const line = r.stderr.split('\n').find((l) => l.startsWith(`writepath: ${name}.ts:`));
    assert.ok(line !== undefined, `${name}: no message in\n${r.stderr}`);
    assert.match(line, message, name);
  }
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('--version, check --help, numbers like 1e6, --quiet, --property, --knob validated like the file', () => {
  const v = writepath(root, '--version');
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^writepath \d+\.\d+\.\d+\n$/);
  const h = writepath(root, 'check', '--help');
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--knob NAME=VARIANT/);
  assert.match(h.stdout, /Ctrl-C/);
  const big = writepath(root, 'check', '--json', '--max-states', '1e6', 'test/fixtures/scenarios/peterson.ts');
  assert.equal(big.code, 0, big.stderr);
  for (const bad of ['1.5', '1e-3', '0x', 'Infinity']) assert.equal(writepath(root, 'check', '--max-states', bad, 'test/fixtures/scenarios').code, 2, bad);
  const quiet = writepath(root, 'check', '--quiet', 'test/fixtures/scenarios');
  assert.equal(quiet.code, 0);
  assert.doesNotMatch(quiet.stdout, /trace of|coverage of/, 'no trace of an expected violation');
  const loud = writepath(root, 'check', 'test/fixtures/scenarios');
  assert.match(loud.stdout, /coverage of broken-mutex \(transitions by action kind\):\n\s+fired\s+labels\s+kind\n\s+12\s+2\s+PN\n/, 'P0 and P1 are one kind');
  const prop = writepath(root, 'check', '--json', '--property', 'P0 enters', 'test/fixtures/scenarios/peterson.ts');
  assert.equal(prop.code, 0, prop.stderr);
  const knob = writepath(root, 'check', '--quiet', '--knob', 'xfsSwAtomicRetry=merged', 'scenarios/xfs-sw-atomic-vs-atomic-merged.ts');
  assert.equal(knob.code, 2);
  assert.match(knob.stderr, /with --knob xfsSwAtomicRetry=merged: .*knobs\.xfsSwAtomicRetry: "merged" is not a variant; one of posted-v4, proposed-excl, merged-6\.16/);
  const noKnobs = writepath(root, 'check', '--knob', 'a=b', 'test/fixtures/scenarios/peterson.ts');
  assert.equal(noKnobs.code, 2);
  assert.match(noKnobs.stderr, /has no knobs/);
});

test('--knob runs a scenario under another variant; an incomplete search that found a violation says so in its row', (t) => {
  // The merged scenario expects a tear; under the proposed fix it holds, so the expectation is not met.
  const r = writepath(root, 'check', '--json', '--knob', 'xfsSwAtomicRetry=proposed-excl', '--property', 'atomic-untorn', 'scenarios/xfs-sw-atomic-vs-atomic-proposed.ts');
  assert.equal(r.code, 0, r.stderr);
  // A plain JavaScript scenario (no import at all): a chain whose state 3 breaks an invariant.
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'chain.js'),
    `export default { name: 'chain', description: 'a chain of 100 states', expect: { violates: 'below 3' },
      model: { name: 'chain', init: () => [0], actions: (s) => (s < 100 ? ['step'] : []), next: (s) => s + 1, done: () => true,
               invariants: { 'below 3': (s) => s < 3 } } };\n`,
  );
  const row = writepath(dir, 'check', '--all', '--quiet', '--max-states', '10', 'chain.js');
  assert.equal(row.code, 0, row.stderr);
  assert.match(row.stdout, /^ok\s+chain\s+violates below 3\s+violates below 3 \(incomplete: maxStates\)\s+10\s/m);
});

test('Ctrl-C prints the figures so far and exits 130', async (t) => {
  // A search that would run for minutes: the signal always arrives while it runs.
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'long.mjs'),
    `export default { name: 'long', description: 'a chain of 10^9 states', expect: 'holds',
      model: { name: 'long', init: () => [0], actions: (s) => (s < 1e9 ? ['step'] : []), next: (s) => s + 1, done: () => true } };\n`,
  );
  const child = spawn(process.execPath, [bin, 'check', '--quiet', 'long.mjs'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGINT'), 3000);
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  clearTimeout(timer);
  assert.equal(code, 130, stderr);
  assert.match(stdout, /^FAIL\s+long\s+holds\s+incomplete \(interrupted\)\s+[1-9][\d,]*\s+[1-9]\d*\s/m);
  assert.match(stderr, /interrupted/);
});

test('--typecheck reports a type error with file:line:col and does not run that file; --paranoid reaches the search', (t) => {
  const dir = tempDir(t);
  const specRel = relative(dir, join(root, 'spec', 'index.ts'));
  const source = (name: string, extra: string) =>
    `import { scenario, open, pwrite, BS, DEVICES } from '${specRel}';
export default scenario({ name: '${name}', description: 'd', fs: { kind: 'xfs', physBlocks: 4 }, device: DEVICES.loop, files: [{ blocks: ['hole'] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)${extra}]], maxPowerLosses: 0, expect: 'holds' });
const unused: number = ${extra === '' ? '1' : "'one'"};
`;
  writeFileSync(join(dir, 'typed.ts'), source('typed', ''));
  writeFileSync(join(dir, 'mistyped.ts'), source('mistyped', ", pwrite('B', 0, 0, BS)"));
  const r = writepath(dir, 'check', '--typecheck', '--paranoid', '--quiet', '.');
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /^writepath: mistyped\.ts:4:7: type error TS2322: Type 'string' is not assignable to type 'number'\.$/m);
  assert.match(r.stdout, /^ok\s+typed\s+holds\s+holds/m);
  assert.doesNotMatch(r.stdout, /mistyped/, 'a file with a type error does not run');
});

test('a BigInt in the state prints in the trace and in --json (it used to crash the reporter)', (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'big.mjs'),
    `export default { name: 'big', description: 'a BigInt counter', expect: { violates: 'small' },
      model: { name: 'big', init: () => [{ n: 0n }], actions: () => ['inc'], next: (s) => ({ n: s.n + 1n }), invariants: { small: (s) => s.n < 2n } } };\n`,
  );
  const human = writepath(dir, 'check', 'big.mjs');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /n: "1n" → "2n"/);
  const json = writepath(dir, 'check', '--json', 'big.mjs');
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { results: Array<{ violations: Array<{ trace: Array<{ state: { n: string } }> }> }> };
  assert.deepEqual(doc.results[0]!.violations[0]!.trace.map((s) => s.state.n), ['0n', '1n', '2n']);
});
