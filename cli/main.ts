/** The `nas` command: one line of usage error and exit code 2 for bad input. */
import { GenotypeError } from '../cells/types';
import { RequestError } from '../search/request';
import { dbCommand } from './commands/db';
import { Interrupted } from './follow';
import { devCommand } from './commands/dev';
import { leaderboardCommand } from './commands/leaderboard';
import { searchCommand } from './commands/search';
import { workerCommand } from './commands/worker';

const USAGE = `usage: nas <command>
  search start [flags] [--finalize-top K] [--wait]   launch a search (flags: see README)
  search status|stop|pause|resume <id> [--wait]      resume with no stack running starts one and finishes the search
  search scale <id> <parallel>
  search finalize <id> [--top K] [--repeats R] [--baselines a,b] [final protocol flags] [--wait]
  search fidelity <id> [--format table|json|csv|markdown]
  leaderboard --search <id> [--final] [--fidelity N] [--top N] [--sort val_acc|reward|params|flops] [--pareto params|flops] [--baselines] [--format table|json|csv|markdown]
  baselines list [--json] | baselines train <name>|--all [training flags] [--wait]
  cells show <genotype-file|hash>
  scaling start ... | scaling report <study-id> [--json] [--svg file]
  dev [--parallel N]                run the embedded stack (Temporal dev server, database, workers)
  worker orchestrator|trainer [--task-queue Q] [--backend auto|tensorflow|wasm|cpu] [--concurrency N]
  db migrate
exit codes: 0 done, 1 failed, 2 bad input, 130 interrupted (Ctrl-C)`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  search: async () => searchCommand,
  leaderboard: async () => leaderboardCommand,
  dev: async () => devCommand,
  worker: async () => workerCommand,
  db: async () => dbCommand,
  baselines: async () => (await import('./commands/baselines')).baselinesCommand,
  cells: async () => (await import('./commands/cells')).cellsCommand,
  scaling: async () => (await import('./commands/scaling')).scalingCommand,
};

/** Errors that mean "the input is wrong": a configuration message naming the field, exit 2. */
function isInputError(err: unknown): err is Error {
  if (err instanceof RequestError || err instanceof GenotypeError) return true;
  return err instanceof Error && /^(DATABASE_URL|TEMPORAL_ADDRESS|TEMPORAL_CLI|TEMPORAL_TLS_\w+|NAS_DATA_DIR)\b/.test(err.message);
}

/** One line; any quoted value in it cut to about 100 characters. */
export function boundedLine(message: string): string {
  const line = message.split('\n')[0];
  return line.replace(/"([^"]{100})[^"]{8,}"/g, '"$1..."');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`nas: unknown command ${JSON.stringify(name)}\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    if (err instanceof Interrupted) {
      console.error(`nas: ${err.problem}`);
      return 130;
    }
    if (isInputError(err)) {
      console.error(`nas: ${boundedLine(err.message)}`);
      return 2;
    }
    console.error(`nas ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}
