/**
 * conform/flags.ts and the three parsers that use it (conform/main.ts parseModeArgs,
 * conform/campaign.ts parseArgs, conform/fuse/main.ts parseFuseArgs): `--flag value` and
 * `--flag=value` alike, a bad integer a usage error naming the flag and what it got, and every
 * entry point exiting 2 on it with that message and its usage line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flags, intArg } from '../conform/flags.ts';
import { main, parseModeArgs, UsageError as ModeUsageError } from '../conform/main.ts';
import { parseArgs, UsageError as CampaignUsageError } from '../conform/campaign-options.ts';
import { FuseUsageError, parseFuseArgs } from '../conform/fuse/main.ts';

class TestError extends Error {}

/** Every flag of argv with the value it reads (value() called for flags in `takes`). */
function read(argv: string[], takes: string[]): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const f of flags(argv, 0, TestError)) out.push([f.flag, takes.includes(f.flag) ? f.value() : undefined]);
  return out;
}

/** What `run` prints on stderr, and its result. */
async function stderrOf(run: () => Promise<number>): Promise<{ code: number; said: string }> {
  const err = console.error;
  let said = '';
  console.error = (m: string) => {
    said += `${m}\n`;
  };
  try {
    return { code: await run(), said };
  } finally {
    console.error = err;
  }
}

describe('conform/flags.ts', () => {
  it('a value is inline after = or the next argument, which is then not read as a flag', () => {
    assert.deepEqual(read(['--runs', '5', '--seed=7', '--no-shrink', '--fs=a=b'], ['--runs', '--seed', '--fs']), [
      ['--runs', '5'],
      ['--seed', '7'],
      ['--no-shrink', undefined],
      ['--fs', 'a=b'],
    ]);
    // A flag that takes no value leaves the next argument a flag of its own.
    assert.deepEqual(read(['--no-shrink', '--runs', '1'], ['--runs']), [['--no-shrink', undefined], ['--runs', '1']]);
    // A value missing at the end reads as undefined; only --flag=value splits at '='.
    assert.deepEqual(read(['x=y', '--runs'], ['--runs']), [['x=y', undefined], ['--runs', undefined]]);
  });
  it('starts at the given index', () => {
    assert.deepEqual([...flags(['--concurrent', '--runs', '3'], 1, TestError)].map((f) => f.flag), ['--runs', '3']);
  });
  it('intArg: an integer at or above the minimum, else the usage error class it is given, naming the flag', () => {
    assert.equal(intArg('--runs', '12', 1, TestError), 12);
    assert.equal(intArg('--seed', '0', 0, TestError), 0);
    assert.throws(() => intArg('--runs', '0', 1, TestError), (e: unknown) => e instanceof TestError && e.message === '--runs needs an integer >= 1, got "0"');
    assert.throws(() => intArg('--runs', '1.5', 1, TestError), /--runs needs an integer >= 1, got "1.5"/);
    assert.throws(() => intArg('--runs', '-3', 0, TestError), /got "-3"/);
    assert.throws(() => intArg('--runs', undefined, 1, TestError), /--runs needs an integer >= 1, got nothing/);
  });
});

describe('the three conform parsers on a bad integer', () => {
  const cases: Array<[string, () => unknown, new (m: string) => Error, string]> = [
    ['--concurrent --runs=abc', () => parseModeArgs(['--concurrent', '--runs=abc']), ModeUsageError, '--runs needs an integer >= 1, got "abc"'],
    ['--crash --max-states 0', () => parseModeArgs(['--crash', '--max-states', '0']), ModeUsageError, '--max-states needs an integer >= 1, got "0"'],
    ['--concurrent --request-kib 4,2', () => parseModeArgs(['--concurrent', '--request-kib', '4,2']), ModeUsageError, '--request-kib needs an integer >= 4, got "2"'],
    ['--seed -1', () => parseArgs(['--seed', '-1']), CampaignUsageError, '--seed needs an integer >= 0, got "-1"'],
    ['--max-ops=', () => parseArgs(['--max-ops=']), CampaignUsageError, '--max-ops needs an integer >= 1, got ""'],
    ['--fuse --seed x', () => parseFuseArgs(['--seed', 'x']), FuseUsageError, '--seed needs an integer >= 0, got "x"'],
    ['--fuse --runs', () => parseFuseArgs(['--runs']), FuseUsageError, '--runs needs an integer >= 1, got nothing'],
  ];
  for (const [name, run, E, message] of cases) {
    it(`${name}: ${message}`, () => {
      assert.throws(run, (e: unknown) => e instanceof E && e.message === message);
    });
  }
  it('every entry point exits 2 with the message and its usage line, before touching a device', async () => {
    for (const argv of [['--concurrent', '--runs', 'x'], ['--runs', 'x'], ['--fuse', '--runs', 'x']]) {
      const { code, said } = await stderrOf(() => main(argv));
      assert.equal(code, 2, argv.join(' '));
      assert.match(said, /^conform: --runs needs an integer >= 1, got "x"\n.*usage: npm run conform -- /s, argv.join(' '));
    }
  });
});
