/**
 * The memory guard. A search that keeps going until V8 runs out of heap dies with "JavaScript
 * heap out of memory" and prints nothing; this guard looks at the process's memory every so
 * often and ends the search 'incomplete', with its figures and a hint, before that happens.
 *
 * Two limits, because two things run out: the V8 heap (the frontier's JavaScript objects) has
 * its own ceiling, `heap_size_limit`, far below the machine's memory; the typed arrays of the
 * fingerprint table and parent links live outside that heap and count only in the RSS.
 */
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** Share of the machine's memory a search may use by default. */
export const DEFAULT_MACHINE_SHARE = 0.5;
/** Share of V8's heap limit at which the search stops. */
export const HEAP_SHARE = 0.85;

/** How often the guard samples (sampling costs about a microsecond). */
const SAMPLE_MS = 100;

export function defaultMaxMemoryBytes(): number {
  return Math.floor(totalmem() * DEFAULT_MACHINE_SHARE);
}

export class MemoryGuard {
  private readonly heapLimit: number;
  private lastSample = 0;
  peakRss = 0;
  /** Set when a limit was reached: what was reached, for the hint. */
  reached: string | undefined;

  constructor(private readonly maxBytes: number) {
    this.heapLimit = Math.floor(getHeapStatistics().heap_size_limit * HEAP_SHARE);
  }

  /** True when the search should stop. `now` is performance.now(). */
  check(now: number): boolean {
    if (now - this.lastSample < SAMPLE_MS) return false;
    this.lastSample = now;
    return this.sample();
  }

  sample(): boolean {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
    if (rss >= this.maxBytes) {
      this.reached = `resident memory ${mib(rss)} reached the limit of ${mib(this.maxBytes)}`;
      return true;
    }
    const heap = getHeapStatistics().used_heap_size;
    if (heap >= this.heapLimit) {
      this.reached = `the JavaScript heap (${mib(heap)}) reached ${Math.round(HEAP_SHARE * 100)}% of its limit`;
      return true;
    }
    return false;
  }
}

function mib(n: number): string {
  return `${Math.round(n / 2 ** 20).toLocaleString('en-US')} MiB`;
}

/** What to tell the user after a memory stop. */
export function memoryHint(reached: string): string {
  return `${reached}; the figures above are for the part explored. To go further: --strategy dfs (its stack is smaller than a BFS frontier), --bitstate (approximate, much smaller table), --strategy random (walks, no table growth beyond the states met), a larger --max-memory, or node --max-old-space-size=MiB for a larger heap.`;
}
