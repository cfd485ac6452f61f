/**
 * The spec as the model of fast-check model-based testing: each syscall is a command that
 * runs on the real system under test (a file system, a userspace storage engine) and is
 * judged by the spec — after each command, the results observed so far must be the start of
 * an outcome the spec allows for the program run so far (allowedOutcomes: one task, no power
 * loss). A disagreement fails the run with what was observed and what the spec allows, and
 * fast-check shrinks the program.
 */
import fc from 'fast-check';
import { canonicalJson, printable } from '../checker/index.ts';
import { allowedOutcomes, describeCall, settings, type ObservedResult, type Program, type SettingsInput, type Syscall } from '../spec/index.ts';
import { syscallArb, type ProgramShape } from './arbitraries.ts';

/** The system under test: runs one syscall and says what it returned (see spec `observe`). */
export interface SystemUnderTest {
  apply(call: Syscall): ObservedResult;
}

/** fast-check's model: the program run so far and what the real system returned. */
export interface SpecRun {
  base: Omit<SettingsInput, 'programs' | 'name'>;
  program: Program;
  observed: ObservedResult[];
  /** Successful opens so far (fds 0..opened-1 exist). */
  opened: number;
}

/** One syscall as a fast-check command. Writes are named W<k> after their place in the program. */
export class SyscallCommand implements fc.Command<SpecRun, SystemUnderTest> {
  constructor(readonly call: Syscall) {}

  check(m: Readonly<SpecRun>): boolean {
    const c = this.call;
    return c.op === 'open' || c.op === 'mmap-store' || !('fd' in c) || c.fd < m.opened;
  }

  run(m: SpecRun, real: SystemUnderTest): void {
    const call: Syscall = this.call.op === 'pwritev2' || this.call.op === 'mmap-store' ? { ...this.call, id: `W${m.program.length}` } : this.call;
    const got = real.apply(call);
    m.program.push(call);
    m.observed.push(got);
    if ((call.op === 'open' || call.op === 'openat') && typeof got.ret === 'number') m.opened++;
    const allowed = allowedOutcomes(settings({ ...m.base, name: 'model-based run', programs: [m.program] })).map((o) => o[0] ?? []);
    const prefix = canonicalJson(m.observed);
    if (allowed.some((o) => canonicalJson(o) === prefix)) return;
    const earlier = canonicalJson(m.observed.slice(0, -1));
    const here = new Set(allowed.filter((o) => canonicalJson(o.slice(0, -1)) === earlier).map((o) => printable(o[o.length - 1])));
    throw new Error(
      `${describeCall(call)} (call ${m.program.length}) returned ${printable(got)}; the spec allows ${here.size === 0 ? 'none of the results before it' : [...here].join(' or ')}\n` +
        `program so far: ${m.program.map(describeCall).join('; ')}`,
    );
  }

  toString(): string {
    return describeCall(this.call);
  }
}

/** Commands for fc.modelRun: an open, then syscalls of the given shape. */
export function syscallCommands(shape: ProgramShape = {}, maxCommands = 8): fc.Arbitrary<Iterable<fc.Command<SpecRun, SystemUnderTest>>> {
  const openCmd = fc.nat((shape.files ?? 1) - 1).map((file) => new SyscallCommand({ op: 'open', file, access: 'O_RDWR', flags: ['O_DIRECT'] }));
  return fc.commands([openCmd, syscallArb(shape).map((c) => new SyscallCommand(c))], { maxCommands });
}

/** The fast-check model to start a run with, for a scenario's settings without programs. */
export function specRun(base: Omit<SettingsInput, 'programs' | 'name'>): SpecRun {
  return { base, program: [], observed: [], opened: 0 };
}
