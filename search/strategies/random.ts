/** Uniform sampling of every decision of the space (cells, scaling coefficients or both, as the space defines). */
import { LedgerStrategy } from './core.ts';

export class RandomStrategy extends LedgerStrategy {
  readonly name = 'random' as const;

  protected draw(): number[] | null {
    return this.drawUniform();
  }

  protected learn(): void {}
}
