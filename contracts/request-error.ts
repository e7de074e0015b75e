import { Refusal } from './refusal.ts';

/** A value as an error line shows it: JSON, cut to about 100 characters. */
export function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** Bad user input: names the field and what is allowed. */
export class RequestError extends Refusal {
  readonly field: string;
  readonly problem: string;
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
    this.name = 'RequestError';
  }
}
