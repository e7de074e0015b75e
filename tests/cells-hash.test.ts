import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex, stableHash } from '../contracts/hash.ts';

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256Hex('a'.repeat(1_000_000))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('agrees with node:crypto on random strings of every length around block boundaries, including non-ASCII', () => {
    const rng = seedrandom('sha');
    const alphabet = ['a', 'Z', '0', ' ', '{', 'é', '中', '文', '😀', '\n'];
    for (let length = 0; length < 200; length++) {
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(rng() * alphabet.length)];
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });
});

describe('stableHash', () => {
  it('ignores key order at every depth', () => {
    const a = { b: 1, a: { y: [1, { q: 2, p: 3 }], x: 's' } };
    const b = { a: { x: 's', y: [1, { p: 3, q: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"x":"s","y":[1,{"p":3,"q":2}]},"b":1}');
    expect(stableHash(a)).toBe(stableHash(b));
  });

  it('is 16 hex digits of the SHA-256 of the canonical JSON, and fixed (golden)', () => {
    const value = { family: 'nasnet', version: 1, list: [3, 1.5, 'x'] };
    expect(stableHash(value)).toBe(sha256Hex(canonicalJson(value)).slice(0, 16));
    expect(stableHash(value)).toMatch(/^[0-9a-f]{16}$/);
    expect(stableHash(value)).toBe('e114059a3bfa7126');
  });

  it('distinguishes values that differ in order of array items or in type', () => {
    expect(stableHash([1, 2])).not.toBe(stableHash([2, 1]));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: '1' }));
  });

  it('rejects values JSON cannot represent faithfully, naming the path', () => {
    expect(() => stableHash({ a: [0, Number.NaN] })).toThrow('$.a[1] is NaN');
    expect(() => stableHash({ f: () => 1 })).toThrow('$.f is a function');
  });
});
