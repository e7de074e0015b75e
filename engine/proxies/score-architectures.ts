/**
 * The zero-cost proxies of many architectures on one seeded mini-batch, one architecture at a
 * time: the loop that `nas estimators report` and the trainer's screening activity share. Between
 * architectures it yields to the event loop, so that heartbeats and database writes go out, and
 * stops when `signal` aborts.
 */
import type { Architecture, InputShape } from '../../contracts/genotypes.ts';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import { loadProxyBatch, type ProxyBatch } from './proxy-batch.ts';
import { scoreArchitecture, type ProxyScore } from './score-architecture.ts';

export interface ArchitectureToScore {
  architecture: Architecture;
  archHash: string;
}

export interface ProxyScoring {
  /** Whose training split the batch is drawn from. */
  protocol: TrainingProtocol;
  /** Seeds the batch and the initial weights (the training's seed). */
  seed: number;
  batchSize: number;
  input: InputShape;
  classes: number;
  dataDir?: string;
  signal?: AbortSignal;
}

/** Calls `scored` after each architecture, in order; what it awaits is done before the next one starts. */
export async function scoreArchitectures(
  architectures: readonly ArchitectureToScore[],
  scoring: ProxyScoring,
  scored: (index: number, scores: ProxyScore[]) => Promise<void> | void,
): Promise<void> {
  if (architectures.length === 0) return;
  const batch: ProxyBatch = await loadProxyBatch(scoring.protocol, scoring.batchSize, scoring.seed, scoring.dataDir);
  for (const [index, a] of architectures.entries()) {
    scoring.signal?.throwIfAborted();
    const scores = scoreArchitecture({
      architecture: a.architecture,
      archHash: a.archHash,
      input: scoring.input,
      classes: scoring.classes,
      seed: scoring.seed,
      batch,
    });
    await scored(index, scores);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
