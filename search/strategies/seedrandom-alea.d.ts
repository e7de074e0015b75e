/** Types for seedrandom's Alea module, imported directly: unlike the package index it never requires Node's crypto. */
declare module 'seedrandom/lib/alea.js' {
  interface AleaState {
    c: number;
    s0: number;
    s1: number;
    s2: number;
  }
  interface AleaPrng {
    (): number;
    double(): number;
    int32(): number;
    quick(): number;
    state(): AleaState;
  }
  function alea(seed?: string, options?: { state?: boolean | AleaState }): AleaPrng;
  export = alea;
}
