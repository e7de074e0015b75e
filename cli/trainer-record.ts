/**
 * The in-process trainer a run was started with (`--backend`, and the NAS_SIMULATED_* variables
 * the simulated trainer reads), recorded in its request so that `nas search resume`, which starts
 * a new owner after the first died, trains the rest of the run as the first owner did.
 */
import type { TrainerRecord } from '../search/request.ts';
import { SIMULATED_BACKEND } from '../search/simulated-training.ts';
import type { TrainerBackend } from '../workers/trainer-worker.ts';
import type { Flags } from './args.ts';
import { requireBackendFlag } from './backend-flag.ts';

const SIMULATION_VARIABLE = /^NAS_SIMULATED_[A-Z_]+$/;

export function trainerRecord(flags: Flags, env: NodeJS.ProcessEnv = process.env): TrainerRecord {
  const backend = requireBackendFlag(flags);
  if (backend !== SIMULATED_BACKEND) return { backend };
  const settings = Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) => SIMULATION_VARIABLE.test(name) && value !== undefined && value !== '',
    ) as [string, string][],
  );
  return { backend, settings };
}

/**
 * The recorded trainer's backend, its NAS_SIMULATED_* variables put into `env` (this process is
 * about to run that trainer); undefined for a run recorded before trainers were (the default backend).
 */
export function restoreTrainer(
  record: TrainerRecord | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TrainerBackend | undefined {
  if (!record) return undefined;
  if (record.backend === SIMULATED_BACKEND) {
    for (const name of Object.keys(env)) if (SIMULATION_VARIABLE.test(name)) delete env[name];
    Object.assign(env, record.settings ?? {});
  }
  return record.backend as TrainerBackend;
}
