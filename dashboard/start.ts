/** startDashboard: the read-only dashboard over a results database, listening on loopback unless told otherwise. */
import type { Database } from '../db/client.ts';
import { buildDashboardApp } from './app.ts';
import { listenHostProblem } from './hosts.ts';
import { isLoopback } from './loopback.ts';

export interface DashboardOptions {
  /** A drizzle handle on the results database (db/client.ts openDatabase(...).db). */
  db: Database;
  /** Default 127.0.0.1. Any other address exposes the results to the network without authentication. */
  host?: string;
  /** Default 8090; 0 picks a free port. */
  port?: number;
  /** The Temporal Web UI (e.g. http://127.0.0.1:8233): run pages link to their workflow there. */
  temporalUiUrl?: string;
  /** How often live pages check for changes (default 1000 ms). */
  pollMs?: number;
  /** Where warnings and failures go (default stderr). */
  log?: (message: string) => void;
  /** Rows of a run page's trial table per page (default 100). */
  trialsPerPage?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const {
    db,
    host = '127.0.0.1',
    port = 8090,
    temporalUiUrl,
    pollMs,
    log = (message: string) => console.error(message),
    trialsPerPage,
  } = options;
  const problem = listenHostProblem(host);
  if (problem) throw new Error(`dashboard host ${problem}`);
  if (!isLoopback(host)) {
    log(
      `warning: the dashboard listens on ${host}, beyond this machine, and has no authentication: anyone who can reach ${host}:${port} can read every result`,
    );
  }
  const app = buildDashboardApp({ db, temporalUiUrl, pollMs, log, host, trialsPerPage });
  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${boundPort}`,
    close: () => app.close(),
  };
}
