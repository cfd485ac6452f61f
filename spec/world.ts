/** The initial world of a scenario, and views of file contents the properties read. */
import { initDevice } from './device.ts';
import { snapshotMetadata } from './journal.ts';
import { readBlock } from './read.ts';
import { initToken, staleToken, ZERO, type Folio, type Inode, type Mapping, type Settings, type Token, type World } from './types.ts';

function mappingOf(b: Settings['files'][number]['blocks'][number]): Mapping {
  if (b === 'hole') return { kind: 'hole' };
  if ('written' in b) return { kind: 'written', p: b.written };
  return { kind: 'unwritten', p: b.unwritten };
}

export function initWorld(s: Settings): World {
  const free = Array.from({ length: s.fs.physBlocks }, () => true);
  const media: Token[] = Array.from({ length: s.fs.physBlocks }, (_, p) => staleToken(p));
  const inodes: Inode[] = s.files.map((f, ino) => {
    const map = f.blocks.map(mappingOf);
    map.forEach((m, blk) => {
      if (m.kind !== 'written' && m.kind !== 'unwritten') return;
      if (free[m.p] !== true) throw new Error(`scenario ${s.name}: p${m.p} used twice`);
      free[m.p] = false;
      if (m.kind === 'written') media[m.p] = initToken(ino, blk);
    });
    return {
      size: f.size ?? f.blocks.length * s.fs.blockSize,
      map,
      cow: map.map(() => ({ kind: 'none' as const })),
      seq: 0,
      iolock: { excl: null, shared: [] },
      invalidateLock: { excl: null, shared: [] },
      dioCount: 0,
    };
  });
  const w: World = {
    device: initDevice(media),
    inodes,
    free,
    journal: { committed: snapshotMetadata(inodes, free), dirty: false },
    pageCache: inodes.map((i) => i.map.map((): Folio | null => null)),
    tasks: s.programs.map(() => ({ pc: 0, fds: [], cur: null, results: [] })),
    powerLosses: 0,
    ioErrors: 0,
    crashed: false,
    ghost: { clock: 0, writes: [], obligations: [] },
  };
  for (const [ino, blk] of s.cached) {
    const pc = w.pageCache[ino];
    if (pc === undefined || blk >= pc.length) throw new Error(`scenario ${s.name}: cached folio outside file ${ino}`);
    pc[blk] = { t: readBlock(w, ino, blk), dirty: false };
  }
  return w;
}

/** What file `ino` holds per block through the direct-I/O view (extent map + device). */
export function fileContent(w: World, ino: number): Token[] {
  const inode = w.inodes[ino];
  if (inode === undefined) return [];
  return inode.map.map((_, blk) => readBlock(w, ino, blk));
}

/** The content a block had before the scenario started. */
export function initialContent(s: Settings, ino: number, blk: number): Token {
  const b = s.files[ino]?.blocks[blk];
  return b !== undefined && b !== 'hole' && 'written' in b ? initToken(ino, blk) : ZERO;
}
