/**
 * Properties of files by name and of life after a power loss (vfs/namei.ts,
 * fs/recovery.ts): a file replaced by rename is wholly old or wholly new after a power
 * loss, and post-crash reads return what recovery left. Models Linux 6.18.
 */
import { tokenWriter, writeToken, ZERO, type Settings, type Token, type World } from '../types.ts';
import type { RenameRecord } from '../world.ts';
import { lookup, visibleContent } from '../vfs/namei.ts';

/** What the name holds after the power loss (within the file's size), or null when it is not judged here. */
function afterLoss(w: World, s: Settings, name: string): Token[] | null {
  if (w.crashed) {
    const ino = lookup(w, name);
    return ino === null ? null : visibleContent(w, s, ino);
  }
  const r = w.recovered;
  if (r === null) return null;
  const ino = r.dir.find(([n]) => n === name)?.[1];
  if (ino === undefined) return null;
  const n = Math.ceil((r.sizes[ino] ?? 0) / s.fs.blockSize);
  return (r.files[ino] ?? []).slice(0, n);
}

/** A rename is judged only while nothing changed either file after it (no later write, rename or open). */
function judged(w: World, r: RenameRecord): boolean {
  const latest = w.renames.filter((x) => x.name === r.name).every((x) => x.at <= r.at);
  return latest && !w.ghost.writes.some((g) => (g.ino === r.src || g.ino === r.dst) && g.start > r.at);
}

const same = (a: Token[], b: Token[]) => a.length === b.length && a.every((t, i) => t === b[i]);

function neither(w: World, s: Settings): string | null {
  for (const r of w.renames) {
    if (!judged(w, r)) continue;
    const got = afterLoss(w, s, r.name);
    if (got === null || same(got, r.old) || same(got, r.new)) continue;
    return `after power loss ${JSON.stringify(r.name)} holds {${got.join(',')}} (${got.length} block(s)): neither the replaced file's {${r.old.join(',')}} nor the renamed file's {${r.new.join(',')}}`;
  }
  return null;
}

export function renameOldOrNew(w: World, s: Settings): string | null {
  return neither(w, s);
}

export function renameNeitherReachable(w: World, s: Settings): string | null {
  return neither(w, s) === null ? 'every replaced name holds its old or its new content here (or no power loss yet)' : null;
}

/** Post-crash preads: the recovered block (zeroes in a file made or truncated since), or a post-crash write's data there. */
export function recoveredReads(w: World): string | null {
  const r = w.recovered;
  if (w.boot === null || r === null) return null;
  for (const [ti, t] of w.tasks.entries()) {
    for (const [k, res] of t.results.entries()) {
      if (res.op !== 'pread' || typeof res.ret !== 'number') continue;
      for (let i = 0; i < res.data.length; i++) {
        const b = res.firstBlock + i;
        const tok = res.data[i] as Token;
        // A file made or truncated after recovery holds zeroes where no post-crash write went.
        const fresh = r.files[res.file] === undefined || r.truncated.includes(res.file);
        if (fresh ? tok === ZERO : tok === r.files[res.file]?.[b]) continue;
        const id = tokenWriter(tok);
        const g = id === null ? undefined : w.ghost.writes.find((x) => x.id === id && x.start > r.clock);
        if (g !== undefined && g.ino === res.file && tok === writeToken(g.id, b - g.blk)) continue;
        return `T${ti + 1}'s post-crash read #${k + 1} of file ${res.file} block ${b} returned ${tok}; recovery left ${r.files[res.file]?.[b] ?? 'nothing'} there`;
      }
    }
  }
  return null;
}

/**
 * After recovery (before any post-crash syscall), no inode without a name holds blocks:
 * orphan cleanup freed every inode that was unlinked while open, and nothing else is
 * nameless on disk.
 */
export function orphansFreed(w: World): string | null {
  const justRecovered = w.crashed || (w.boot === 'running' && w.tasks.every((t) => t.pc === 0 && t.cur === null));
  if (!justRecovered) return null;
  for (const [ino, inode] of w.inodes.entries()) {
    if (w.dir.some(([, i]) => i === ino)) continue;
    const held = inode.map.flatMap((m) => (m.kind === 'written' || m.kind === 'unwritten' ? [m.p] : []));
    if (held.length > 0) return `after recovery inode ${ino} has no name but still holds ${held.map((p) => `p${p}`).join(', ')}${w.orphans.includes(ino) ? ' (still on the orphan list)' : ''}`;
  }
  return null;
}
