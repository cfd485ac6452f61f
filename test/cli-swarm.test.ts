/**
 * The command line's flags for large searches: random walks and their seeds, swarm shards run
 * as separate processes by a local batch runner (xargs -P here, GNU parallel in the README) and
 * merged, the memory limit, bitstate, and the mistakes a user can make with them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'writepath.js');

function writepath(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Doc {
  results: Array<{ name: string; status: string; met: boolean; seed?: number; walks?: number; shards?: number; seeds?: number[]; incompleteReason?: string; hint?: string; bitstate?: { hashFactor: number }; violations: Array<{ property: string; trace: Array<{ label: string }> }> }>;
}

test('check --strategy random prints the seed, and --seed replays the run exactly', () => {
  const a = writepath('check', '--strategy', 'random', '--json', 'test/fixtures/scenarios/mutex.ts');
  assert.equal(a.code, 0, a.stderr);
  const seed = (JSON.parse(a.stdout) as Doc).results[0]!.seed!;
  assert.equal(typeof seed, 'number');
  const human = writepath('check', '--strategy', 'random', '--seed', String(seed), 'test/fixtures/scenarios/mutex.ts');
  assert.match(human.stdout, new RegExp(`random walks with seed ${seed} .*--seed ${seed} replays them`));
  const b = writepath('check', '--strategy', 'random', '--seed', String(seed), '--json', 'test/fixtures/scenarios/mutex.ts');
  const strip = (s: string): unknown => (JSON.parse(s) as Doc).results.map(({ violations, walks }) => ({ violations, walks }));
  assert.deepEqual(strip(b.stdout), strip(a.stdout));
});

test('swarm: shards run by a local batch runner (xargs -P 2), then merged into one verdict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-swarm-'));
  try {
    const cmd = `seq 1 4 | xargs -P 2 -I{} sh -c '"${process.execPath}" "${bin}" check --strategy random --seed 77 --walks 20 --shard {}/4 --json test/fixtures/scenarios > "${dir}/shard-{}.json"'`;
    spawnSync('sh', ['-c', cmd], { cwd: root, encoding: 'utf8' });
    const files = readdirSync(dir).sort().map((f) => join(dir, f));
    assert.equal(files.length, 4);
    const seeds = files.map((f) => (JSON.parse(spawnSync('cat', [f], { encoding: 'utf8' }).stdout) as Doc).results[0]!.seed);
    assert.equal(new Set(seeds).size, 1, 'the base seed is reported; each shard derives its own from it');
    const merged = writepath('merge', '--json', ...files);
    const doc = JSON.parse(merged.stdout) as Doc;
    const byName = Object.fromEntries(doc.results.map((r) => [r.name, r]));
    assert.equal(byName['broken-mutex']!.status, 'violation');
    assert.equal(byName['broken-mutex']!.met, true);
    assert.equal(byName['broken-mutex']!.shards, 4);
    assert.equal(byName['broken-mutex']!.violations[0]!.trace.length, 5, 'the shortest trace of the shards, each shrunk');
    assert.equal(byName['peterson-2']!.status, 'incomplete');
    assert.equal(byName['peterson-2']!.walks, 80);
    assert.equal(merged.code, 1, 'peterson-2 expects holds, which walks cannot show');
    const human = writepath('merge', ...files);
    assert.match(human.stdout, /^merged 4 result files$/m);
    assert.match(human.stdout, /^ok\s+broken-mutex\s+violates mutual-exclusion\s+violates mutual-exclusion/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('merge: files that are not check --json results give a clear error and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-merge-'));
  try {
    writeFileSync(join(dir, 'junk.json'), '{ not json');
    writeFileSync(join(dir, 'other.json'), '{"tool": "something-else"}');
    writeFileSync(join(dir, 'broken.json'), '{"tool": "writepath", "results": [{"name": "x", "status": "maybe"}]}');
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'junk.json'), /junk\.json: is not JSON/],
      [join(dir, 'other.json'), /other\.json: is not the output of writepath check --json/],
      [join(dir, 'broken.json'), /broken\.json: results\[0\]\.status is not ok, violation, incomplete or error/],
      [join(dir, 'missing.json'), /missing\.json: cannot be read/],
    ];
    for (const [file, message] of cases) {
      const r = writepath('merge', file);
      assert.equal(r.code, 2, file);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    const none = writepath('merge');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /merge needs one or more result files/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--bitstate prints the hash factor and coverage; --max-memory takes sizes', () => {
  const r = writepath('check', '--bitstate', '20', 'test/fixtures/scenarios/peterson.ts');
  assert.equal(r.code, 1, 'a bitstate search cannot show that a property holds');
  assert.match(r.stdout, /incomplete \(bitstate\)/);
  assert.match(r.stdout, /peterson-2: bitstate 2\^20 bits, 3 hashes: hash factor 52428\.8 \(SPIN: best coverage if > 100\), expected coverage 100\.00%/);
  const m = writepath('check', '--max-memory', '8G', 'test/fixtures/scenarios/peterson.ts');
  assert.equal(m.code, 0, m.stderr);
});

test('usage errors of the large-search flags exit 2 with a message', () => {
  const cases: Array<[string[], RegExp]> = [
    [['check', '--seed', '5'], /--seed needs --strategy random/],
    [['check', '--strategy', 'random', '--seed', 'x'], /--seed needs a whole number/],
    [['check', '--strategy', 'random', '--shard', '0/4'], /--shard needs I\/N with 1 <= I <= N/],
    [['check', '--strategy', 'random', '--shard', '5/4'], /--shard needs I\/N/],
    [['check', '--shard', '1/4'], /--shard needs --strategy random/],
    [['check', '--max-memory', 'lots'], /--max-memory needs a size such as 4G/],
    [['check', '--bitstate', '40'], /--bitstate needs N with 10 <= N <= 32/],
    [['check', '--strategy', 'random', '--bitstate', '20'], /--bitstate cannot be combined with --strategy random/],
    [['check', '--strategy', 'sideways'], /--strategy must be bfs, dfs or random/],
  ];
  for (const [args, message] of cases) {
    const r = writepath(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
});
