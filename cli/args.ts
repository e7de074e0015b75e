/** The flags of a parsed command line, by long name without dashes (cli/command-line.ts). */
export type Flags = Record<string, string | boolean | undefined>;

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}
