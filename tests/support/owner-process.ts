/**
 * Drives tests/support/endpoint-owner.ts, a stand-in owner of a home in a child process (so that a
 * client that wedges it cannot wedge the test): started, asked what it recorded, killed.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const OWNER_SCRIPT = fileURLToPath(new URL('./endpoint-owner.ts', import.meta.url));

export interface Report {
  recorded: number;
  longestGapMs: number;
  rssMb: number;
  attached: number;
}

export class OwnerProcess {
  private readonly lines: Interface;
  private readonly waiting: Array<(line: string) => void> = [];
  port = 0;

  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  constructor(child: ChildProcessByStdio<Writable, Readable, null>) {
    this.child = child;
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
  }

  nextLine(timeoutMs: number): Promise<string | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(answer), 1);
        resolve(null);
      }, timeoutMs);
      const answer = (line: string) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiting.push(answer);
    });
  }

  /** What the owner recorded since the last report; a wedged owner does not answer in 5 s. */
  async report(): Promise<Report> {
    this.child.stdin.write('report\n');
    const line = await this.nextLine(5_000);
    if (line === null) return { recorded: 0, longestGapMs: Infinity, rssMb: Infinity, attached: -1 };
    return JSON.parse(line) as Report;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** An owner serving its endpoint with `password`, once it printed its port. */
export async function startOwner(password: string): Promise<OwnerProcess> {
  const child = spawn(process.execPath, [OWNER_SCRIPT, password], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const owner = new OwnerProcess(child);
  const ready = await owner.nextLine(60_000); // PGlite starts slowly on a busy machine
  if (!ready || !/^ready \d+$/.test(ready)) {
    owner.kill();
    throw new Error(`the stand-in owner did not start: ${ready}`);
  }
  owner.port = Number(ready.split(' ')[1]);
  return owner;
}
