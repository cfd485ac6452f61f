/** Diffs between states (cli/diff.ts): followed by identity, never cut. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffStates, formatChange } from '../cli/diff.ts';

const lines = (a: unknown, b: unknown): string[] => diffStates(a, b).flatMap(formatChange);

test('members of an array that carry ids are followed by id: a completed bio is one removal, not a shift', () => {
  const before = { inflight: [{ id: 1, owner: 0, blocks: ['A[0]'] }, { id: 2, owner: 1, blocks: ['B[0]'] }] };
  const after = { inflight: [{ id: 2, owner: 1, blocks: ['B[0]'] }] };
  assert.deepEqual(lines(before, after), ['inflight[id=1] removed (was {"id":1,"owner":0,"blocks":["A[0]"]})']);
  const grown = { inflight: [{ id: 3, owner: 0, blocks: [] }, { id: 2, owner: 1, blocks: ['B[0]', 'B[1]'] }] };
  assert.deepEqual(lines(after, grown), ['inflight[id=2].blocks[1] = B[1]', 'inflight[id=3].id = 3', 'inflight[id=3].owner = 0', 'inflight[id=3].blocks = []']);
});

test('arrays without distinct ids are compared by position', () => {
  assert.deepEqual(lines({ pc: [0, 1] }, { pc: [0, 2, 5] }), ['pc[1]: 1 → 2', 'pc[2] = 5']);
  assert.deepEqual(lines([{ id: 1 }, { id: 1 }], [{ id: 1 }]), ['[1] removed (was {"id":1})']);
});

test('keys people wrote keep their spaces; keys with dots or brackets are quoted', () => {
  assert.deepEqual(lines({ 'file 0': { 'page cache': {} } }, { 'file 0': { 'page cache': { 'folio 1': 'A[1] dirty' } } }), ['file 0.page cache.folio 1 = A[1] dirty']);
  assert.deepEqual(lines({ 'a.b': 1 }, { 'a.b': 2 }), ['"a.b": 1 → 2']);
});

test('values are never cut', () => {
  const long = 'x'.repeat(500);
  assert.deepEqual(lines({ v: 'short' }, { v: long }), [`v: short → ${long}`]);
});
