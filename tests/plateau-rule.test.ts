import { describe, expect, it } from 'vitest';
import { plateauEpochs, plateauReached } from '../contracts/plateau.ts';
import { DEFAULT_PROTOCOL, protocolHash } from '../contracts/protocol.ts';
import { checkProtocol } from '../contracts/protocol-checks.ts';
import { simulateTraining, simulationSettings } from '../search/simulated-training.ts';
import { EFFICIENTNET_B0_SMALL } from '../cells/efficientnet/index.ts';

describe('plateau rule: stop when the best validation accuracy rose by at most minDelta over the last patience epochs', () => {
  it('stops where the hand-computed rise first falls to minDelta (equal counts as levelled off)', () => {
    const rule = { patience: 2, minDelta: 0.01 };
    const curve = [0.5, 0.6, 0.65, 0.655, 0.66];
    // n=3: best 0.65 - best of [0.5] = 0.15; n=4: 0.655 - 0.6 = 0.055; n=5: 0.66 - 0.65 = 0.01 <= 0.01.
    expect([1, 2, 3, 4, 5].map((n) => plateauReached(curve.slice(0, n), rule))).toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(plateauEpochs(curve, rule, 30)).toBe(5);
  });

  it('a dip after the best stops once patience epochs brought no new best', () => {
    const rule = { patience: 2, minDelta: 0 };
    // n=3: 0.7 - 0.5 > 0; n=4: best 0.7 - best of [0.5, 0.7] = 0.
    expect(plateauEpochs([0.5, 0.7, 0.69, 0.68, 0.9], rule, 30)).toBe(4);
  });

  it('a late new best above minDelta keeps training', () => {
    const rule = { patience: 2, minDelta: 0.01 };
    // n=4: best 0.72 - best of [0.6, 0.7] = 0.02 > 0.01; n=5: 0.72 - 0.7 = 0.02; n=6: 0.72 - 0.72 = 0.
    const curve = [0.6, 0.7, 0.65, 0.72, 0.71, 0.715];
    expect(curve.map((_, i) => plateauReached(curve.slice(0, i + 1), rule))).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  it('a curve still rising by more than minDelta per epoch trains to the cap', () => {
    const rule = { patience: 1, minDelta: 0.01 };
    const rising = [0.5, 0.52, 0.54, 0.56, 0.58];
    expect(rising.some((_, i) => plateauReached(rising.slice(0, i + 1), rule))).toBe(false);
    expect(plateauEpochs(rising, rule, 3)).toBe(3);
  });

  it('is part of the protocol hash, and a protocol without it keeps its hash', () => {
    const withPlateau = { ...DEFAULT_PROTOCOL, epochs: 20, plateau: { patience: 3, minDelta: 0.005 } };
    expect(protocolHash(withPlateau)).not.toBe(protocolHash({ ...DEFAULT_PROTOCOL, epochs: 20 }));
    expect(protocolHash(withPlateau)).not.toBe(
      protocolHash({ ...withPlateau, plateau: { patience: 4, minDelta: 0.005 } }),
    );
    const { plateau: _, ...without } = withPlateau;
    expect(protocolHash(without)).toBe(protocolHash({ ...DEFAULT_PROTOCOL, epochs: 20 }));
  });

  it('a protocol whose patience is not below the epoch cap, or whose minDelta is negative, is refused naming the field', () => {
    expect(() => checkProtocol({ ...DEFAULT_PROTOCOL, epochs: 3, plateau: { patience: 3, minDelta: 0 } })).toThrow(
      /protocol\.plateau\.patience: must be an integer in 1\.\.2/,
    );
    expect(() => checkProtocol({ ...DEFAULT_PROTOCOL, epochs: 9, plateau: { patience: 3, minDelta: -0.1 } })).toThrow(
      /protocol\.plateau\.minDelta/,
    );
  });

  it('the simulated trainer ends its curve where the rule stops a real training', () => {
    const protocol = { ...DEFAULT_PROTOCOL, epochs: 40, plateau: { patience: 2, minDelta: 0.002 } };
    const job = { architecture: EFFICIENTNET_B0_SMALL, archHash: 'h', protocol, trainingSeed: 1, flops: 1e6 };
    const { epochs } = simulateTraining(job, simulationSettings({}));
    const curve = epochs.map((e) => e.valAccuracy);
    expect(epochs.length).toBeLessThan(40);
    expect(plateauReached(curve, protocol.plateau)).toBe(true);
    expect(plateauReached(curve.slice(0, -1), protocol.plateau)).toBe(false);
  });
});
