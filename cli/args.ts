import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RequestError } from '../search/request';

export type Flags = Record<string, string | boolean | undefined>;
export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses flags strictly: an unknown flag is a RequestError naming it and the allowed ones. */
export function parseFlags(argv: string[], spec: FlagSpec): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true });
    return { flags: values as Flags, positionals };
  } catch (err) {
    const message = (err as Error).message;
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? 'flags';
    const allowed = Object.keys(spec)
      .map((name) => `--${name}`)
      .join(' ');
    throw new RequestError(flag, `${message.replace(/\. To specify.*$/s, '')}; allowed: ${allowed}`);
  }
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}
