/** What strategies need of a DecisionSpace: validation, canonical identity, compact text, uniform sampling. */
import type { DecisionSpace } from '../../contracts/genotypes.ts';
import type { Rng } from '../../numeric/rng.ts';

export function validateChoices(space: DecisionSpace, choices: unknown, field: string): number[] {
  const decisions = space.decisions;
  if (!Array.isArray(choices) || choices.length !== decisions.length) {
    const got = Array.isArray(choices) ? `${choices.length} choices` : JSON.stringify(choices);
    throw new RangeError(`${field}: must be an array of ${decisions.length} choices for space ${space.id}, got ${got}`);
  }
  choices.forEach((value, i) => {
    const { name, size } = decisions[i];
    if (!Number.isInteger(value) || value < 0 || value >= size) {
      throw new RangeError(
        `${field}[${i}] (${name}): must be an integer in [0, ${size - 1}], got ${JSON.stringify(value)}`,
      );
    }
  });
  return choices as number[];
}

/** Fixed-width base-36 text of a choice sequence: one character per decision for sizes up to 36. */
export class ChoiceCodec {
  private readonly width: number;

  private readonly space: DecisionSpace;
  constructor(space: DecisionSpace) {
    this.space = space;
    const largest = Math.max(1, ...space.decisions.map((d) => d.size - 1));
    this.width = largest.toString(36).length;
  }

  toText(choices: readonly number[]): string {
    return choices.map((c) => c.toString(36).padStart(this.width, '0')).join('');
  }

  fromText(text: string, field: string): number[] {
    const count = this.space.decisions.length;
    if (text.length !== count * this.width) {
      throw new RangeError(
        `${field}: expected ${count * this.width} characters of encoded choices, got ${text.length}`,
      );
    }
    const choices = Array.from({ length: count }, (_, i) =>
      parseInt(text.slice(i * this.width, (i + 1) * this.width), 36),
    );
    return validateChoices(this.space, choices, field);
  }

  /** Identity for dedup: two choice sequences are the same architecture when their canonical forms are equal. */
  canonicalKey(choices: readonly number[]): string {
    return this.toText(this.space.encode(this.space.decode(choices)));
  }
}

export function randomChoices(space: DecisionSpace, rng: Rng): number[] {
  return space.decisions.map((d) => rng.int(d.size));
}

/**
 * The kind of a decision, for sharing controller heads as NASNet/ENAS do:
 * the last segment of its name without digits, plus its size. So
 * "normal.blocks[3].ops[0]" and "reduction.blocks[0].ops[1]" share the op head, while input
 * decisions of different blocks (different sizes) get their own.
 */
export function decisionKind(decision: { name: string; size: number }): string {
  const segments = decision.name.split(/[./:]/);
  const last = segments[segments.length - 1].replace(/\[[0-9]*\]|[0-9]+/g, '').replace(/[_-]+$/, '');
  return `${last || decision.name}/${decision.size}`;
}
