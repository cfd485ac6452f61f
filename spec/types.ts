/**
 * Every type of the spec in one import, for users and tests. Each type lives next to the
 * layer that owns it (block/, mm/, fs/, fs/iomap/, vfs/, kernel/locking/); `World` and
 * `Settings` compose them in world.ts. Models Linux 6.18.
 */
export type * from './token.ts';
export type * from './block/types.ts';
export type * from './mm/types.ts';
export type * from './fs/types.ts';
export type * from './fs/iomap/types.ts';
export type * from './fs/fuse/types.ts';
export type * from './vfs/types.ts';
export type { RwSem, LockMode } from './kernel/locking/rwsem.ts';
export type { Ghost, GhostWrite, Obligation, OwedError } from './ghost.ts';
export type { Errseq, WbErrno } from './lib/errseq.ts';
export type { World, Settings, PropertyName, Step } from './world.ts';
export { ZERO, initToken, staleToken, writeToken, tokenWriter, isMixed, tokenRuns, runsToken, sliceToken, overlay, tokenAtByte, tokenParts, tokenWriters, tokenHas, UNREAD, readSlice } from './token.ts';
