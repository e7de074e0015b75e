/** The `--backend` and `--threads` flags of commands that may run a trainer, checked before anything starts. */
import { BACKEND_PREFERENCES, type BackendPreference, MAX_TRAINING_THREADS } from '../engine/backend-preferences.ts';
import { integerIn, requireOneOf, requirePositiveInteger } from '../contracts/field-checks.ts';
import { SIMULATED_BACKEND, simulationSettings } from '../search/simulated-training.ts';
import type { TrainerBackend } from '../workers/trainer-worker.ts';
import { stringFlag, type Flags } from './args.ts';

export const BACKEND_CHOICES: readonly TrainerBackend[] = [...BACKEND_PREFERENCES, SIMULATED_BACKEND];

/** The trainer's backend; `simulated` also checks the NAS_SIMULATED_* variables it reads. */
export function requireBackendFlag(flags: Flags): TrainerBackend {
  const backend = requireOneOf('--backend', stringFlag(flags, 'backend') ?? 'auto', BACKEND_CHOICES);
  if (backend === SIMULATED_BACKEND) simulationSettings(process.env);
  return backend;
}

/** `--threads`: threads each training of the trainer computes on; undefined leaves the trainer's default. */
export function requireThreadsFlag(flags: Flags): number | undefined {
  const threads = stringFlag(flags, 'threads');
  if (threads === undefined) return undefined;
  return integerIn('--threads', requirePositiveInteger('--threads', threads), 1, MAX_TRAINING_THREADS);
}

/** `--backend simulated`: the in-process trainer reads no dataset, so the commands do not check its files. */
export function simulatesTraining(flags: Flags): boolean {
  return stringFlag(flags, 'backend') === SIMULATED_BACKEND;
}

/** A tfjs backend, for a training that must be real (`nas export --train`). */
export function requireTfjsBackendFlag(flags: Flags): BackendPreference {
  return requireOneOf('--backend', stringFlag(flags, 'backend') ?? 'auto', BACKEND_PREFERENCES);
}
