/**
 * A tiny userspace "storage engine": one file as an array of blocks, each holding the token
 * of the write that put it there, as the writepath spec names data ("A[0]" = block 0 of
 * write A, "zero" = never written). It is the system under test of test/engine.test.js.
 */
const BS = 4096;

export class BlockStore {
  /** @param {number} blocks size of the file in blocks */
  constructor(blocks) {
    this.blocks = Array.from({ length: blocks }, () => 'zero');
    this.size = 0;
    this.fds = 0;
  }

  /**
   * Runs one syscall of the spec's vocabulary and returns what the spec calls its observed
   * result: { op, ret } (plus id for writes, data for reads).
   * @param {import('writepath').Syscall} call
   */
  apply(call) {
    switch (call.op) {
      case 'open':
        return { op: 'open', ret: this.fds++ };
      case 'pwritev2': {
        if (call.fd >= this.fds) return { op: 'pwritev2', id: call.id, ret: 'EBADF' };
        const len = call.iov.reduce((a, b) => a + b, 0);
        const first = call.offset / BS;
        for (let k = 0; k < len / BS; k++) this.blocks[first + k] = `${call.id}[${k}]`;
        this.size = Math.max(this.size, call.offset + len);
        return { op: 'pwritev2', id: call.id, ret: len };
      }
      case 'pread': {
        if (call.fd >= this.fds) return { op: 'pread', ret: 'EBADF', data: [] };
        const ret = Math.max(0, Math.min(call.len, this.size - call.offset));
        const data = [];
        for (let b = Math.floor(call.offset / BS); b * BS < call.offset + ret; b++) data.push(this.blocks[b]);
        return { op: 'pread', ret, data };
      }
      case 'fsync':
      case 'fdatasync':
        return { op: call.op, ret: call.fd < this.fds ? 0 : 'EBADF' };
      default:
        throw new Error(`BlockStore does not implement ${call.op}`);
    }
  }
}
