import { test } from 'node:test';
import assert from 'node:assert/strict';
import { immediateLength, readVarint, varintLength, writeVarint } from '../../src/program/varint.js';

test('container varints round-trip across every length class', () => {
  for (const value of [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000, 0xfffffff, 0x10000000, 0xffffffff]) {
    const out: number[] = [];
    writeVarint(value, out);
    assert.equal(out.length, varintLength(value));
    assert.deepEqual(readVarint(Uint8Array.from(out), 0), { value, length: out.length });
  }
});

test('varint reader ORs the low nibble of an 0xF1..0xF7 first byte into the value (reference quirk)', () => {
  assert.deepEqual(readVarint(Uint8Array.of(0xf3, 0x10, 0, 0, 0), 0), { value: 0x13, length: 5 });
});

test('varint reader rejects first bytes 0xF8..0xFF and truncated tails', () => {
  assert.equal(readVarint(Uint8Array.of(0xf8, 0, 0, 0, 0, 0), 0), null);
  assert.equal(readVarint(Uint8Array.of(0xc0, 0x01), 0), null);
  assert.equal(readVarint(Uint8Array.of(), 0), null);
});

test('varint reader accepts non-canonical encodings', () => {
  assert.deepEqual(readVarint(Uint8Array.of(0x80, 0x05), 0), { value: 5, length: 2 });
});

test('immediate length is the minimal sign-extending byte count', () => {
  assert.equal(immediateLength(0), 0);
  assert.equal(immediateLength(-1), 1);
  assert.equal(immediateLength(0x7f), 1);
  assert.equal(immediateLength(0x80), 2);
  assert.equal(immediateLength(-0x80), 1);
  assert.equal(immediateLength(-0x81), 2);
  assert.equal(immediateLength(0x7fffff), 3);
  assert.equal(immediateLength(0x800000), 4);
});
