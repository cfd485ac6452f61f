/** The ITF encoding and its checker (checker/itf.ts), against the format's definition (Apalache ADR-015). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, fromItf, toItf, validateItf } from '../checker/index.ts';

const hasHashKey = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (Array.isArray(v) ? v.some(hasHashKey) : Object.entries(v).some(([k, x]) => k.startsWith('#') || hasHashKey(x)));

test('toItf then fromItf gives back any JSON value (integers as #bigint, null and fractions as #unserializable)', () => {
  fc.assert(
    fc.property(fc.jsonValue().filter((v) => !hasHashKey(v)), (v) => {
      const encoded = toItf(v);
      assert.deepEqual(validateItf({ vars: ['x'], states: [{ x: encoded }] }), []);
      assert.equal(canonicalJson(fromItf(JSON.parse(JSON.stringify(encoded)))), canonicalJson(v));
    }),
  );
});

test('toItf writes every integer as #bigint, sets, maps and bigints in their forms', () => {
  assert.deepEqual(toItf({ a: 2, b: [true, 'x'], c: null, d: 1.5 }), { a: { '#bigint': '2' }, b: [true, 'x'], c: { '#unserializable': 'null' }, d: { '#unserializable': '1.5' } });
  assert.deepEqual(toItf(new Set([1])), { '#set': [{ '#bigint': '1' }] });
  assert.deepEqual(toItf(new Map([['k', 10n ** 30n]])), { '#map': [['k', { '#bigint': '1000000000000000000000000000000' }]] });
  assert.throws(() => toItf({ '#x': 1 }), /may not start with "#"/);
});

test('a trace as Quint and Apalache write it validates', () => {
  const quint = {
    '#meta': { format: 'ITF', 'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html', source: 'bank.qnt', status: 'ok' },
    vars: ['balances', 'lastError', 'choice'],
    states: [
      { '#meta': { index: 0 }, balances: { '#map': [['alice', { '#bigint': '0' }]] }, lastError: '', choice: { tag: 'None', value: { '#tup': [] } } },
      { '#meta': { index: 1 }, balances: { '#map': [['alice', { '#bigint': '-40' }]] }, lastError: 'x', choice: { tag: 'Some', value: { '#set': [1, 2] } } },
    ],
    loop: 1,
  };
  assert.deepEqual(validateItf(quint), []);
});

test('validateItf names the path of every departure from the format', () => {
  const good = { vars: ['x'], states: [{ x: 1 }] };
  const cases: Array<[unknown, RegExp]> = [
    [[], /must be a JSON object/],
    [{ states: [] }, /^vars: must be an array of strings/],
    [{ vars: ['x', 'x'], states: [] }, /^vars: names must be distinct/],
    [{ vars: ['x'] }, /^states: must be an array/],
    [{ ...good, extra: 1 }, /^extra: not a field of an ITF trace/],
    [{ vars: ['x'], states: [{}] }, /^states\[0\]: variable "x" is missing/],
    [{ vars: ['x'], states: [{ x: 1, y: 2 }] }, /^states\[0\]\.y: not one of the trace's vars/],
    [{ vars: ['x'], states: [{ x: null }] }, /^states\[0\]\.x: null is not an ITF value/],
    [{ vars: ['x'], states: [{ x: 1.5 }] }, /^states\[0\]\.x: the number 1\.5 is not an integer/],
    [{ vars: ['x'], states: [{ x: 2 ** 60 }] }, /not an integer within/],
    [{ vars: ['x'], states: [{ x: { '#bigint': '12a' } }] }, /^states\[0\]\.x\.#bigint: must be a string of decimal digits/],
    [{ vars: ['x'], states: [{ x: { '#bigint': '1', y: 2 } }] }, /^states\[0\]\.x: an object with a "#" field must be exactly one of/],
    [{ vars: ['x'], states: [{ x: { '#list': [] } }] }, /must be exactly one of/],
    [{ vars: ['x'], states: [{ x: { '#map': [[1]] } }] }, /^states\[0\]\.x\.#map\[0\]: must be a \[key, value\] pair/],
    [{ vars: ['x'], states: [{ x: { '#set': 3 } }] }, /^states\[0\]\.x\.#set: must be an array/],
    [{ vars: ['x'], states: [{ x: [{ a: [null] }] }] }, /^states\[0\]\.x\[0\]\.a\[0\]: null/],
    [{ ...good, loop: 1 }, /^loop: must be the index of a state/],
    [{ ...good, params: [3] }, /^params: must be an array of strings/],
    [{ vars: ['x'], params: ['N'], states: [{ x: 1 }] }, /^states\[0\]: variable "N" is missing/],
    [{ ...good, '#meta': 'x' }, /^#meta: must be an object/],
  ];
  assert.deepEqual(validateItf(good), []);
  for (const [doc, re] of cases) {
    const problems = validateItf(doc);
    assert.ok(problems.some((p) => re.test(p)), `${JSON.stringify(doc)}: expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
  }
});
