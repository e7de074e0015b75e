import { Refusal } from './refusal';

/** A value as an error line shows it: JSON, cut to about 100 characters. */
export function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** Bad user input: names the field and what is allowed. */
export class RequestError extends Refusal {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'RequestError';
  }
}
