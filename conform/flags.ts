/**
 * The command-line flags of the conformance entry points (conform/main.ts parseModeArgs,
 * conform/campaign.ts parseArgs, conform/fuse/main.ts parseFuseArgs): `--flag value` or
 * `--flag=value`, and the integer check they share. Each entry point keeps its own usage
 * error class, because its caller tells a usage error (exit 2) from a crash by that class.
 */

/** The usage error an entry point throws (its message is printed before the usage line). */
export type UsageErrorClass = new (message: string) => Error;

/** One argument: its flag (the part before '=' of `--flag=value`), as given, and its value. */
export interface Flag {
  flag: string;
  arg: string;
  /** The inline value after '=', else the next argument (consumed), else undefined. */
  value(): string | undefined;
  /** value() as an integer >= min, or a usage error naming the flag. */
  int(min: number): number;
}

/** `v` as an integer >= min, or a usage error naming `flag` and what it got. */
export function intArg(flag: string, v: string | undefined, min: number, E: UsageErrorClass): number {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) throw new E(`${flag} needs an integer >= ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  return Number(v);
}

/** The arguments of `argv` from index `from` on, each read at most once with its value. */
export function* flags(argv: readonly string[], from: number, E: UsageErrorClass): Generator<Flag> {
  for (let i = from; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    // Only a `--flag=value` splits: a bare value that holds '=' stays whole.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    // Advancing i here is what consumes the next argument: the loop resumes after it.
    const value = (): string | undefined => inline ?? argv[++i];
    yield { flag, arg, value, int: (min) => intArg(flag, value(), min, E) };
  }
}
