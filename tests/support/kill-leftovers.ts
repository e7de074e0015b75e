/** A setup file: no `nas` process a test file started outlives that file, however its tests ended. */
import { afterAll } from 'vitest';
import { killLeftoverProcesses } from '../../harness/processes.ts';

afterAll(async () => {
  await killLeftoverProcesses();
});
