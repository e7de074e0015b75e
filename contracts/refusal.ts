/**
 * Bad input, refused before anything started. The `nas` command prints a refusal's message as one
 * line and exits with its exitCode (cli/main.ts); nothing reads the message to decide the code.
 */
export abstract class Refusal extends Error {
  /** 2: bad input. */
  readonly exitCode: number = 2;
}

/**
 * A wrong or missing setting of the environment (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TLS_*,
 * TEMPORAL_CLI); the message starts with the variable.
 */
export class SettingError extends Refusal {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}
