/**
 * Small lookups shared by the syscall paths: the inode, the open file, the blocks a range touches.
 *
 * Models Linux 6.18 (fs/file.c).
 */
import { task } from '../ghost.ts';
import type { Inode, OpenFile, Settings, World } from '../types.ts';
import { withAt, withMembers } from '../cow.ts';

export const fsName = (s: Settings) => s.fs.kind;

export function inodeOf(w: World, ino: number): Inode {
  const i = w.inodes[ino];
  if (i === undefined) throw new Error(`no inode ${ino}`);
  return i;
}

/** For the pure steps (spec/cow.ts): `w` with inode `ino`'s members in `patch` replaced. */
export function withInode(w: World, ino: number, patch: Partial<Inode>): World {
  return withMembers(w, { inodes: withAt(w.inodes, ino, withMembers(inodeOf(w, ino), patch)) });
}

export const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** The blocks a byte range touches. */
export function blocksOf(s: Settings, pos: number, count: number): { blk: number; nblk: number } {
  const bs = s.fs.blockSize;
  const blk = Math.floor(pos / bs);
  return { blk, nblk: count === 0 ? 0 : Math.ceil((pos + count) / bs) - blk };
}

export function fdOf(w: World, ti: number, fd: number): OpenFile | null {
  const of = task(w, ti).fds[fd];
  // A closed fd is EBADF (close_fd removed it from the table).
  return of === undefined || of.closed ? null : of;
}
