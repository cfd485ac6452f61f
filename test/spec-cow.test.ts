/** spec/cow.ts: the copies a pure step builds are the spread's, member for member and in order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copied, filtered, keepIfSame, withAt, withMembers } from '../spec/cow.ts';

test('withMembers keeps the members in the order of its input, as a spread does (traces print it)', () => {
  const frozen = <T extends object>(o: T): T => Object.freeze(o);
  // The same members in two orders (a crashed world has its device last), frozen or not.
  const a = frozen({ device: 1, inodes: [2], tasks: { pc: 0 }, crashed: false });
  const b = frozen({ inodes: [2], tasks: { pc: 0 }, crashed: false, device: 1 });
  const c = frozen({ device: 1, tasks: { pc: 0 }, inodes: [2], crashed: false });
  for (const o of [a, b, c, { ...a }, { ...b }, { ...c }, a, b, c]) {
    const t = withMembers(o, { crashed: true });
    assert.deepEqual(Object.keys(t), Object.keys(o));
    assert.deepEqual(t, { ...o, crashed: true });
    assert.ok(Object.isFrozen(t));
    assert.equal(t.tasks, o.tasks, 'members not in the patch are shared');
    assert.equal(Object.getPrototypeOf(t), Object.prototype);
  }
  // A member the input lacks is added last, as `{ ...o, ...patch }` adds it.
  const added = withMembers<{ x: number; y?: number; z: number }>(frozen({ x: 1, z: 3 }), { y: 2 });
  assert.deepEqual(Object.keys(added), ['x', 'z', 'y']);
  // Undefined members stay members; an empty object is copied too.
  assert.deepEqual(Object.keys(withMembers<{ u?: number; v: number }>(frozen({ u: undefined, v: 1 }), { v: 2 })), ['u', 'v']);
  assert.deepEqual(withMembers(frozen({}), {}), {});
});

test('withMembers: a member named __proto__ is a member of the copy, not its prototype', () => {
  const o = JSON.parse('{"a": 1, "__proto__": {"b": 2}}') as { a: number };
  const t = withMembers(o, { a: 3 });
  assert.equal(Object.getPrototypeOf(t), Object.prototype);
  assert.deepEqual(Object.keys(t), ['a', '__proto__']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(t, '__proto__')?.value, { b: 2 });
});

test('withMembers past its cache of member orders copies the same way', () => {
  for (let i = 0; i < 400; i++) {
    const o = Object.freeze({ [`k${i}`]: i, [`j${i % 7}`]: -i });
    const t = withMembers(o, {});
    assert.deepEqual(Object.keys(t), Object.keys(o));
    assert.deepEqual(t, o);
  }
});

test('withAt replaces one element of a frozen array in a frozen copy, and keeps the array when nothing changes', () => {
  const xs = Object.freeze([{ a: 1 }, { a: 2 }, { a: 3 }]);
  const v = { a: 9 };
  const ys = withAt(xs, 1, v);
  assert.deepEqual(ys, [{ a: 1 }, { a: 9 }, { a: 3 }]);
  assert.ok(Object.isFrozen(ys) && Array.isArray(ys));
  assert.equal(ys[0], xs[0]);
  assert.equal(ys.length, 3);
  assert.equal(withAt(xs, 2, xs[2]!), xs);
  assert.throws(() => withAt(xs, 3, v), /outside 0\.\.2/);
  assert.equal(JSON.stringify(withAt([1, 2], 0, 5)), '[5,2]');
});

test('copied, filtered and keepIfSame: the arrays slice(), filter() and the kept original would give', () => {
  const xs = Object.freeze([3, 1, 4, 1, 5]);
  const c = copied(xs);
  assert.deepEqual(c, [3, 1, 4, 1, 5]);
  assert.ok(!Object.isFrozen(c) && c !== xs);
  c[0] = 9;
  assert.equal(xs[0], 3);
  assert.deepEqual(copied([]), []);
  assert.deepEqual(filtered(xs, (x) => x !== 1), [3, 4, 5]);
  assert.deepEqual(filtered(xs, () => false), []);
  assert.equal(keepIfSame(xs, copied(xs)), xs, 'the same elements: the original');
  const changed = copied(xs);
  changed[4] = 6;
  assert.deepEqual(keepIfSame(xs, changed), [3, 1, 4, 1, 6]);
  assert.ok(Object.isFrozen(keepIfSame(xs, changed)));
  assert.deepEqual(keepIfSame(xs, [3, 1, 4, 1]), [3, 1, 4, 1], 'shorter: the copy');
});
