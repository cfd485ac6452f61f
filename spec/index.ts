/**
 * writepath spec: the write path of Linux 6.18 (KERNEL_VERSION) as one explicit-state
 * transition system for the checker. Part 1: the block device, allocator and extent map,
 * metadata journal, power loss, and the direct-I/O write path of ext4 and XFS. Part 2 (in
 * progress): page-cache folios of one or more blocks (`files[i].folioBlocks`) with per-block
 * uptodate / dirty and the folio's writeback / dropbehind / PG_atomic flags, buffered
 * RWF_ATOMIC as the seed 000 RFC (knob bufferedAtomic) with user-page faults (`userFaults`),
 * the XFS buffered write through ->iomap_begin with delalloc and the iomap validity cookie,
 * background writeback and reclaim (scenario settings `flusher`, `reclaim`), writeback
 * errors through errseq_t, and RWF_UNCACHED / RWF_DONTCACHE.
 *
 * ## Layout (as the kernel tree)
 *
 * - block/: the device, requests (split at max_sectors), REQ_ATOMIC / REQ_FUA / flushes.
 * - mm/: the page cache (filemap: folios, writeback, invalidation, wb_err), the flusher
 *   (page-writeback), reclaim (vmscan), stores through a mapping (memory).
 * - lib/errseq.ts: errseq_t.
 * - fs/iomap/: direct-io (iomap_dio_rw's steps), dio-bio (iomap_dio_bio_iter's alignment
 *   and request cutting), iter (what ->iomap_begin returns), buffered-io, ioend.
 * - fs/xfs/: xfs_file (entry points, checks, retries, end_io), xfs_iomap, xfs_iops, xfs_aops.
 * - fs/ext4/: file (entry, checks, end_io), inode (ext4_iomap_begin; the delalloc buffered
 *   write and ext4_writepages), page-io (writeback bios, the unwritten conversion work),
 *   extents, super, types (buffer heads, io_ends).
 * - fs/journal.ts, fs/allocator.ts: the log and the extent map shared by both.
 * - vfs/: syscalls (each task's step), read (pread), fd lookups.
 * - kernel/locking/rwsem.ts: i_rwsem / IOLOCK and invalidate_lock.
 * - world.ts composes the layers' types into the World; properties, knobs, model,
 *   scenario and outcomes sit apart from the layers.
 *
 * ## Program vocabulary (for translating real programs)
 *
 * A scenario runs one program per task (`Settings.programs[i]`, a list of `Syscall`):
 *
 * - `{ op: 'open', file, access, flags }` — open file number `file` (files are listed in
 *   `Settings.files`); flags are O_DIRECT / O_DSYNC / O_SYNC. Returns the fd ordinal: the
 *   first open of a task returns 0, the next 1, ... Later calls name fds by that ordinal.
 * - `{ op: 'pwritev2', fd, offset, iov, flags, id }` — `iov` is the list of segment lengths
 *   (bytes), `flags` any of RWF_ATOMIC, RWF_SYNC, RWF_DSYNC, RWF_NOWAIT, RWF_DONTCACHE. The
 *   data is named by `id`: block k of the write holds token `${id}[k]`. Returns bytes or an
 *   errno, validated as Linux 6.18 does (see checkPwritev2 for the order). An optional
 *   `badPage` names a page of the user buffer (from 0) that can never be read: the copy
 *   stops there (a short write, or -EFAULT; `pwriteBadPage` builds one).
 * - `{ op: 'pread', fd, offset, len }` — returns bytes (short at EOF) and, in the results
 *   log, the token of every block read. O_DIRECT reads must be sector aligned (EINVAL).
 * - `{ op: 'fsync' | 'fdatasync', fd }`, `{ op: 'statx', fd }` (STATX_WRITE_ATOMIC fields).
 *   fsync reports a writeback error recorded since this open file's last check
 *   (file_check_and_advance_wb_err; knob `wbErrReporting` for the pre-4.13 behaviour).
 *   A buffered pwritev2 with RWF_DONTCACHE follows knob `uncached`.
 * - `{ op: 'mmap-store', file, offset, id }` — a store through a shared mapping: dirties the
 *   folio of that block with token `${id}[0]` (no syscall return value: ret 0). This is the
 *   shorthand for "mmap + store, the page already mapped": fault and store in one step.
 * - `{ op: 'mmap', fd, offset, len }` (MAP_SHARED, PROT_READ|PROT_WRITE; returns the mapping's
 *   ordinal), `{ op: 'mmap-store', file, offset, id, map }` (a one-block store through mapping
 *   `map` at file offset `offset`: read fault, ->page_mkwrite, store, each its own step),
 *   `{ op: 'mmap-load', map, offset }` (one block), `{ op: 'msync', map, flags }` (MS_SYNC:
 *   vfs_fsync_range over the mapping; MS_ASYNC: nothing), `{ op: 'munmap', map }`
 *   (spec/mm/mmap.ts, memory.ts, msync.ts; proofs-notes/mmap.md). A page is a block here.
 * - `{ op: 'close', fd }` — the fd is gone; XFS and ext4 return 0, FUSE runs fuse_flush
 *   (write back, AS_EIO → -EIO, else FLUSH). Fds keep their ordinals.
 *
 * Tokens: `zero` (hole / unwritten / zeroed), `f<ino>.init[<blk>]` (content before the
 * scenario), `<id>[<k>]` (block k of write id), `stale[p<n>]` (a freed block's leftovers).
 * Data finer than a block (spec/token.ts): a block whose bytes differ is a canonical
 * run-length token `{0:W1[0] 512:zero}` (byte offsets where each run starts); a uniform block
 * is its plain token. Buffered writes read in or zero the part of a block they do not cover
 * (__iomap_write_begin), sub-block direct writes get iomap_dio_zero's zeroing, writeback
 * zeroes the folio beyond i_size, and a read's token for a block it returns only in part
 * marks the bytes it did not return `-` (UNREAD).
 *
 * Where Linux's answer depends on something the model does not track (the clock: an XFS
 * RWF_NOWAIT write whose timestamps need updating gets EAGAIN), the task has two enabled
 * steps and both outcomes are allowed.
 *
 * Each task's `results` log gets one `SyscallResult` per returned syscall;
 * `allowedOutcomes(settings)` gives the set of observable outcomes a real kernel run must
 * fall into (single runs without power loss).
 *
 * Real-kernel set-ups the conformance tests use map to settings like:
 * - XFS with reflink on a loop device: `fs: 'xfs'`, `device: DEVICES.loop` → statx unit
 *   min 4096, max 1048576 (`swAtomicMax`), segments 1; RWF_ATOMIC goes the software path.
 *   Mounted without allocsize= (`fs.allocsize` absent or null): dynamic speculative
 *   preallocation, none below 64 KiB of i_size; `-o allocsize=N` is `fs.allocsize: N`.
 * - ext4 on the same loop device: `fs: 'ext4'`, `device: DEVICES.loop` → no atomic
 *   support, RWF_ATOMIC gives EOPNOTSUPP.
 *
 * FUSE (`fs: 'fuse'`, spec/fs/fuse/): the files' pages live in a userspace server
 * (`World.fuse`), requests are in flight until it answers (`fuse server:` actions);
 * `maxShortWrites` lets it acknowledge fewer bytes than a write(2) WRITE asked for.
 * Knobs fuseMode, fuseUptodate, fuseWriteFailure, fuseSyncWait; properties
 * cache-coherence, monotonic-reads, write-order (proofs-notes/fuse-writeback.md).
 *
 * Models Linux 6.18.
 */
export type * from './types.ts';
/** The one kernel version every module models; each module's opening comment says so. */
export const KERNEL_VERSION = '6.18';
export { ZERO, initToken, staleToken, writeToken, tokenWriter, isMixed, tokenRuns, runsToken, sliceToken, overlay, tokenAtByte, tokenParts, tokenWriters, tokenHas, UNREAD, readSlice } from './types.ts';
export { MERGED_KNOBS, KNOB_VARIANTS, type Knobs, type TruncateZeroFlush, type Ext4AtomicAlloc, type AtomicDioInvalidateFailure, type XfsSwAtomicRetry, type WbErrReporting, type IomapValid, type Uncached, type UncachedFlushError, type FuseMode, type FuseUptodate, type FuseWriteFailure, type FuseSyncWait, type Ext4DataMode, type Ext4EndIoFailure, type Ext4AutoDaAlloc, type FaultInvalidateLock, type XfsWritebackMapValid } from './knobs.ts';
export { errseqSet, errseqSample, errseqCheck, errseqCheckAndAdvance, describeErrseq, ERRSEQ_SEEN } from './lib/errseq.ts';
export { initWorld, fileContent, initialContent } from './world.ts';
export { buildModel, actions, next, label, type Action } from './model.ts';
export { PROPERTIES, ALL_INVARIANTS, type PropertyDef } from './properties.ts';
export { atomicLimits, statxAtomic, checkPwritev2, taskSteps } from './vfs/syscalls.ts';
export { allowedOutcomes, bfsExplorer, observe, type Outcome, type ObservedResult, type Explorer } from './outcomes.ts';
export { scenario, settings, fsDefaults, DEVICES, BS, KiB, open, pwrite, pwriteBadPage, pwritev, pread, fsync, fdatasync, statx, mmapStore, mincore, openat, close, unlink, rename, ftruncate, fallocate, mmap, store, load, msync, munmap, type SettingsInput } from './scenario.ts';
export { ext4MbAlignedAlloc, allocBlocks, describeExtents } from './fs/allocator.ts';
export { powerLossChoices, persistGroups } from './block/device.ts';
export { folioAt, mappingSetError, filemapCheckErrors, fileCheckAndAdvanceWbErr } from './mm/filemap.ts';
export { FLUSHER } from './mm/page-writeback.ts';
export { cacheCoherence, monotonicReads, writeOrder } from './fs/fuse/properties.ts';
export { actorOf, viewOf, cellsOf, aboutOf, describeCall } from './view.ts';
export { ScenarioError, scenarioProblems, settingsProblems, assertValidScenario, assertValidSettings, type ScenarioProblem } from './validate.ts';
export { settingsInputSchema, scenarioInputSchema, syscallSchema, knobsSchema, FS_KINDS, RWF_FLAGS, OPEN_FLAGS, FALLOC_FLAGS, PROPERTY_NAMES, SYSCALL_OPS, type ScenarioInput } from './schema.ts';
