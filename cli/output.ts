/**
 * Where a command prints: stdout carries its data (tables, JSON, reports) so that it can be piped;
 * stderr carries notices about what it did, progress lines and logs.
 */
export function printData(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function printNote(text: string): void {
  process.stderr.write(`${text}\n`);
}
