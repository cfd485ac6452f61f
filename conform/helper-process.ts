/**
 * The native helper's process (conform/helper.c): one long-lived process per mounted file
 * system, sent programs in the helper's text form and answering one JSON line per op and an end
 * marker per program. Split out of harness.ts, which makes the labs it runs in.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseLine, serialize, ParseError } from './program.ts';
import type { OpResult, Program, ProgramResult } from './program.ts';

interface Pending {
  /** Set for runLines(): the program's output lines, unparsed. */
  lines?: string[];
  resolveLines?: (lines: string[]) => void;
  results: OpResult[];
  error?: Error;
  resolve: (r: ProgramResult) => void;
  reject: (e: Error) => void;
}

/** A long-lived helper process on one mounted file system; runs programs one at a time. */
export class HelperProcess {
  private child: ChildProcessWithoutNullStreams;
  private queue: Pending[] = [];
  private dead: Error | undefined;
  private stderr = '';
  private tail: Promise<unknown> = Promise.resolve();

  /** `env` is added to this process's environment (e.g. WP_MARK for the crash harness). */
  constructor(helperPath: string, workdir: string, env: Record<string, string> = {}) {
    this.child = spawn(helperPath, [workdir], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
    });
    const rl = createInterface({ input: this.child.stdout });
    rl.on('line', (line) => this.onLine(line));
    this.child.on('exit', (code, signal) => {
      this.fail(new Error(`helper exited (code ${String(code)}, signal ${String(signal)})${this.stderr === '' ? '' : `: ${this.stderr.trim()}`}`));
    });
    this.child.on('error', (e) => this.fail(e));
    this.child.stdin.on('error', (e) => this.fail(e));
  }

  private fail(e: Error): void {
    if (this.dead === undefined) this.dead = e;
    for (const p of this.queue.splice(0)) p.reject(e);
  }

  private onLine(line: string): void {
    const p = this.queue[0];
    if (p === undefined) {
      this.fail(new ParseError(`unexpected helper output: ${line}`));
      return;
    }
    // A refused op or a malformed line fails the program, but its remaining lines are
    // still consumed up to its end marker so the next program's answers stay aligned.
    if (/^\{"end":\d+\}$/.test(line)) {
      this.queue.shift();
      if (p.lines !== undefined) {
        p.resolveLines?.(p.lines);
        return;
      }
      if (p.error !== undefined) p.reject(p.error);
      else p.resolve({ results: p.results });
      return;
    }
    if (p.lines !== undefined) {
      p.lines.push(line);
      return;
    }
    try {
      const r = parseLine(line);
      if ('end' in r) throw new ParseError(`malformed end marker: ${line}`);
      p.results.push(r);
    } catch (e) {
      p.error ??= e instanceof Error ? e : new Error(String(e));
    }
  }

  /** Runs one program on fresh files; resolves with one result per op. */
  run(program: Program): Promise<ProgramResult> {
    const go = (): Promise<ProgramResult> =>
      new Promise<ProgramResult>((resolve, reject) => {
        if (this.dead !== undefined) {
          reject(this.dead);
          return;
        }
        this.queue.push({ results: [], resolve, reject });
        this.child.stdin.write(serialize(program));
      });
    const p = this.tail.then(go, go);
    this.tail = p.catch(() => undefined);
    return p;
  }

  /**
   * Sends a program already in the helper's text form (e.g. a concurrent "par" program)
   * and resolves with its output lines, unparsed, without the end marker.
   */
  runLines(text: string): Promise<string[]> {
    const go = (): Promise<string[]> =>
      new Promise<string[]>((resolve, reject) => {
        if (this.dead !== undefined) {
          reject(this.dead);
          return;
        }
        this.queue.push({ lines: [], resolveLines: resolve, results: [], resolve: () => undefined, reject });
        this.child.stdin.write(text.endsWith('\n') ? text : `${text}\n`);
      });
    const p = this.tail.then(go, go);
    this.tail = p.catch(() => undefined);
    return p;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      // Wait (synchronously, briefly) so the mount is not busy when closeLab unmounts.
      for (let i = 0; i < 50 && existsSync(`/proc/${String(this.child.pid)}/stat`); i++) {
        const st = readFileSync(`/proc/${String(this.child.pid)}/stat`, 'utf8');
        if (/\) Z /.test(st)) break;
        spawnSync('sleep', ['0.02']);
      }
    }
  }

  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        resolve();
        return;
      }
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}
