/** `node stack/temporal/ensure-cli.ts`: find or build the Temporal CLI and print its path (used by CI). */
import { resolveTemporalCli } from './cli-binary.ts';

const started = Date.now();
const path = await resolveTemporalCli({ log: (message) => console.error(`[temporal-cli] ${message}`) });
console.error(`[temporal-cli] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(path);
