/**
 * `nas ui`: the read-only dashboard (dashboard/) over DATABASE_URL, or over the home's embedded
 * stack, which it starts as `nas dev` does when none runs; `nas dev` serves it too.
 */
import type { Database } from '../../db/client.ts';
import { openDatabase } from '../../db/client.ts';
import { startDashboard, type Dashboard } from '../../dashboard/index.ts';
import { listenHostProblem } from '../../dashboard/hosts.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requireNonNegativeInteger } from '../../contracts/field-checks.ts';
import { openStack } from '../../stack/embedded.ts';
import { stringFlag, type Flags } from '../args.ts';
import type { CommandInput } from '../invocation.ts';
import { printNote } from '../output.ts';

export const DEFAULT_DASHBOARD_PORT = 8090;

export interface DashboardAddress {
  host: string;
  port: number;
  /** The port was named: a taken one is an error, not a reason to pick another. */
  portGiven: boolean;
}

export function dashboardAddress(flags: Flags, hostFlag = 'host', portFlag = 'port'): DashboardAddress {
  const port = stringFlag(flags, portFlag);
  const value = requireNonNegativeInteger(`--${portFlag}`, port ?? DEFAULT_DASHBOARD_PORT);
  if (value > 65535)
    throw new RequestError(`--${portFlag}`, `must be a TCP port (0..65535; 0: any free port), got ${value}`);
  const host = stringFlag(flags, hostFlag) ?? '127.0.0.1';
  const problem = listenHostProblem(host);
  if (problem) throw new RequestError(`--${hostFlag}`, problem);
  return { host, port: value, portGiven: port !== undefined };
}

/** Serves the dashboard; the default port, when taken, gives way to a free one. */
export async function serveDashboard(
  db: Database,
  address: DashboardAddress,
  temporalUiUrl: string | null,
  portFlag = '--port',
): Promise<Dashboard> {
  const options = { db, host: address.host, temporalUiUrl: temporalUiUrl ?? undefined };
  try {
    return await startDashboard({ ...options, port: address.port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (address.portGiven)
      throw new RequestError(
        portFlag,
        `port ${address.port} on ${address.host} is taken; choose another (0: any free port)`,
      );
    return startDashboard({ ...options, port: 0 });
  }
}

export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

export async function uiCommand({ flags }: CommandInput): Promise<number> {
  const address = dashboardAddress(flags);
  if (process.env.DATABASE_URL) {
    const database = await openDatabase({ migrate: false, requireSchema: true });
    try {
      await serveUntilStopped(database.db, address, stringFlag(flags, 'temporal-ui') ?? null);
    } finally {
      await database.close();
    }
    return 0;
  }
  const stack = await openStack({ own: true });
  try {
    if (stack.mode === 'owner')
      printNote(`started the embedded stack (Temporal UI: ${stack.uiUrl}); it stops with this command`);
    await serveUntilStopped((await stack.database()).db, address, stringFlag(flags, 'temporal-ui') ?? stack.uiUrl);
  } finally {
    await stack.close();
  }
  return 0;
}

async function serveUntilStopped(db: Database, address: DashboardAddress, temporalUiUrl: string | null): Promise<void> {
  const dashboard = await serveDashboard(db, address, temporalUiUrl);
  printNote(`dashboard: ${dashboard.url} (read-only; Ctrl-C stops it)`);
  await untilStopped();
  await dashboard.close();
}
