/** The `--backend` flag of commands that may run an in-process trainer, checked before anything starts. */
import { requireOneOf } from '../search/request';
import type { BackendPreference } from '../engine/backend';
import { stringFlag, type Flags } from './args';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const satisfies readonly BackendPreference[];

export function requireBackendFlag(flags: Flags): BackendPreference {
  return requireOneOf('--backend', stringFlag(flags, 'backend') ?? 'auto', BACKEND_CHOICES);
}
