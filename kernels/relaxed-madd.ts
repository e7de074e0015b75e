/**
 * Fused multiply-add in the SIMD kernels where the runtime has relaxed SIMD:
 * every `(f32x4.add acc (f32x4.mul a b))` of a kernel's text becomes
 * `(f32x4.relaxed_madd a b acc)` (one rounding where the CPU has FMA, two
 * otherwise: both are within float tolerance of the plain form, which stays
 * the fallback). Node 24's V8 validates relaxed SIMD by default.
 */

// The part of the WebAssembly JS API used here (the project's lib settings do not declare it).
declare const WebAssembly: { validate(bytes: Uint8Array): boolean } | undefined;

/** The binary of `(module (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))`. */
const PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x08,
  0x01,
  0x60,
  0x03,
  0x7b,
  0x7b,
  0x7b,
  0x01,
  0x7b, // type: (v128 v128 v128) -> v128
  0x03,
  0x02,
  0x01,
  0x00, // function 0 of type 0
  0x0a,
  0x0d,
  0x01,
  0x0b,
  0x00,
  0x20,
  0x00,
  0x20,
  0x01,
  0x20,
  0x02,
  0xfd,
  0x85,
  0x02,
  0x0b, // local.get 0 1 2, f32x4.relaxed_madd
]);

/** Whether this runtime accepts relaxed SIMD's f32x4.relaxed_madd. */
export function relaxedMaddSupported(): boolean {
  // biome-ignore lint/complexity/useOptionalChain: an undeclared global cannot be optionally chained
  return typeof WebAssembly !== 'undefined' && WebAssembly.validate(PROBE);
}

/** The end (exclusive) of the s-expression or token starting at `start`. */
function endOf(text: string, start: number): number {
  if (text[start] !== '(') return start + /^[^\s()]+/.exec(text.slice(start))![0].length;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  throw new Error('relaxed-madd: unbalanced parentheses');
}

const skipSpace = (text: string, i: number) => i + /^\s*/.exec(text.slice(i))![0].length;

/** The operands of the instruction `(name a b)` starting at `start`, or null when it is not one with two. */
function operands(text: string, start: number, name: string): [string, string] | null {
  if (!text.startsWith(`(${name} `, start)) return null;
  const first = skipSpace(text, start + name.length + 1);
  const firstEnd = endOf(text, first);
  const second = skipSpace(text, firstEnd);
  const secondEnd = endOf(text, second);
  if (text[skipSpace(text, secondEnd)] !== ')') return null;
  return [text.slice(first, firstEnd), text.slice(second, secondEnd)];
}

/** The kernel text with each f32x4 add of a product fused into f32x4.relaxed_madd. */
export function fuseMultiplyAdds(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const sum = text[i] === '(' ? operands(text, i, 'f32x4.add') : null;
    const product = sum && operands(sum[1], 0, 'f32x4.mul');
    if (sum && product) {
      const [a, b] = product.map(fuseMultiplyAdds);
      out += `(f32x4.relaxed_madd ${a} ${b} ${fuseMultiplyAdds(sum[0])})`;
      i = endOf(text, i);
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}
