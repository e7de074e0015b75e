/**
 * Manual runs of the dashboard: `npx tsx dashboard/serve.ts [port] [host]` over DATABASE_URL (or the
 * embedded PGlite in NAS_HOME), read-only; TEMPORAL_UI_URL adds links to the workflows.
 */
import { openDatabase } from '../db/client';
import { startDashboard } from './start';

const [port = '8090', host = '127.0.0.1'] = process.argv.slice(2);
const database = await openDatabase({ migrate: false, requireSchema: true });
const dashboard = await startDashboard({ db: database.db, host, port: Number(port), temporalUiUrl: process.env.TEMPORAL_UI_URL || undefined });
console.log(`dashboard at ${dashboard.url} (Ctrl-C stops it)`);
const stop = async () => {
  await dashboard.close();
  await database.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
