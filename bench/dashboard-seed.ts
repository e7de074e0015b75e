/**
 * Seeds a results database for the dashboard bench: a random search over the NASNet space of
 * `trials` trials (default 1,000) with per-epoch curves, and a baselines run under the same
 * protocol, all written through db/queries (upsertSearch, enqueueTrial, markTrialRunning,
 * recordEpoch, finishTrial). Accuracies are synthetic (harness/synthetic-objective.ts), costs are the
 * real cost model's; about 3% of trials fail and 2% diverge, repeated architectures are reused.
 *
 * `node bench/dashboard-seed.ts [trials]` writes into DATABASE_URL, or the embedded PGlite in NAS_HOME.
 */
import { pathToFileURL } from 'node:url';
import { architectureCost, architectureHash, describeArchitecture, nasnetSpace } from '../cells/index.ts';
import { BASELINES } from '../cells/baselines/index.ts';
import { DATASETS } from '../contracts/datasets.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { upsertArchitecture, upsertProtocol } from '../db/queries/architectures.ts';
import { setSearchStatus, upsertSearch } from '../db/queries/searches.ts';
import { enqueueTrial, finishTrial, markTrialRunning, recordEpoch } from '../db/queries/trials.ts';
import { syntheticObjective } from '../search/synthetic-objective.ts';
import { DEFAULT_PROTOCOL, protocolHash } from '../contracts/protocol.ts';
import { makeRng, type Rng } from '../numeric/rng.ts';
import type { Architecture } from '../contracts/genotypes.ts';

export interface SeededDatabase {
  searchId: string;
  baselinesId: string;
  trialIds: string[];
}

const { input, classes } = DATASETS['fashion-mnist'];
const PROTOCOL = { ...DEFAULT_PROTOCOL, epochs: 3 };
const HASH = protocolHash(PROTOCOL);
const WORKERS = ['trainer-a', 'trainer-b'];

async function recordArchitecture(db: Database, architecture: Architecture) {
  const hash = architectureHash(architecture);
  const cost = architectureCost(architecture, input, classes);
  await upsertArchitecture(db, {
    hash,
    family: architecture.family,
    genotype: architecture,
    description: describeArchitecture(architecture),
    ...cost,
  });
  return { hash, ...cost };
}

/** Trains nothing: writes the rows a training of `epochs` epochs ending at `accuracy` would write. */
async function writeTraining(
  db: Database,
  trialId: string,
  index: number,
  accuracy: number,
  rng: Rng,
  outcome: 'succeeded' | 'failed' | 'diverged',
) {
  const worker = WORKERS[index % WORKERS.length];
  await markTrialRunning(db, trialId, { worker, backend: 'wasm', device: 'cpu' });
  const epochs = outcome === 'succeeded' ? PROTOCOL.epochs : 1 + rng.int(PROTOCOL.epochs);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const progress = (epoch + 1) / PROTOCOL.epochs;
    const valAccuracy = Math.max(0.1, accuracy - (1 - progress) * 0.12 + (rng.next() - 0.5) * 0.01);
    const trainAccuracy = Math.min(1, valAccuracy + 0.02 + rng.next() * 0.02);
    await recordEpoch(db, trialId, {
      epoch,
      trainLoss: 2.3 * (1 - trainAccuracy) + 0.1,
      trainAccuracy,
      valLoss: 2.3 * (1 - valAccuracy) + 0.15,
      valAccuracy,
      seconds: 20 + rng.next() * 10,
    });
  }
  const trainSeconds = epochs * (20 + rng.next() * 10);
  if (outcome === 'succeeded') {
    await finishTrial(db, trialId, {
      status: 'succeeded',
      valAccuracy: accuracy,
      testAccuracy: accuracy - 0.005,
      trainSeconds,
      samplesPerSecond: 180 + rng.next() * 40,
      worker,
      backend: 'wasm',
      device: 'cpu',
    });
  } else {
    await finishTrial(db, trialId, {
      status: outcome,
      trainSeconds,
      worker,
      backend: 'wasm',
      device: 'cpu',
      error:
        outcome === 'failed'
          ? 'worker lost: heartbeat timeout after 3 attempts'
          : 'training loss became NaN at epoch 1',
    });
  }
}

export async function seedDashboardDatabase(
  db: Database,
  options: { trials?: number; seed?: number; id?: string } = {},
): Promise<SeededDatabase> {
  const { trials = 1000, seed = 1, id = `bench-dashboard-${seed}` } = options;
  const rng = makeRng(`dashboard-seed/${seed}`);
  const space = nasnetSpace({});
  const objective = syntheticObjective(space, seed);
  await upsertProtocol(db, HASH, PROTOCOL);

  const searchId = `${id}-search`;
  const request = {
    searchId,
    space: { space: 'nasnet' },
    strategy: { name: 'random', dedup: false },
    trials,
    parallel: 2,
    seed,
    protocol: PROTOCOL,
    budget: {},
    reward: { objective: 'accuracy' },
    input,
    classes,
  };
  await upsertSearch(db, {
    id: searchId,
    kind: 'search',
    space: 'nasnet',
    strategy: 'random',
    seed,
    trialsRequested: trials,
    config: request,
  });
  const trained = new Map<string, string>();
  const trialIds: string[] = [];
  for (let index = 0; index < trials; index++) {
    const choices = space.decisions.map((d) => rng.int(d.size));
    const architecture = space.decode(choices);
    const { hash, params, flops } = await recordArchitecture(db, architecture);
    const trialId = `${searchId}/${index}`;
    trialIds.push(trialId);
    await enqueueTrial(db, {
      id: trialId,
      searchId,
      trialIndex: index,
      archHash: hash,
      protocolHash: HASH,
      params,
      flops,
    });
    const earlier = trained.get(hash);
    if (earlier) {
      await finishTrial(db, trialId, { status: 'reused', reusedFrom: earlier });
      continue;
    }
    const roll = rng.next();
    await writeTraining(
      db,
      trialId,
      index,
      0.55 + 0.4 * objective.score(space.encode(architecture)),
      rng,
      roll < 0.03 ? 'failed' : roll < 0.05 ? 'diverged' : 'succeeded',
    );
    if (roll >= 0.05) trained.set(hash, trialId);
  }
  await setSearchStatus(db, searchId, 'finished');

  const baselinesId = `${id}-baselines`;
  await upsertSearch(db, {
    id: baselinesId,
    kind: 'baselines',
    space: 'baselines',
    strategy: 'baselines',
    seed,
    trialsRequested: BASELINES.length,
    config: { searchId: baselinesId, protocol: PROTOCOL, input, classes },
  });
  for (const [index, baseline] of BASELINES.entries()) {
    const { hash, params, flops } = await recordArchitecture(db, baseline.architecture);
    const trialId = `${baselinesId}/${index}`;
    await enqueueTrial(db, {
      id: trialId,
      searchId: baselinesId,
      trialIndex: index,
      archHash: hash,
      protocolHash: HASH,
      params,
      flops,
      baselineName: baseline.name,
    });
    await writeTraining(db, trialId, index, 0.8 + rng.next() * 0.1, rng, 'succeeded');
  }
  await setSearchStatus(db, baselinesId, 'finished');
  return { searchId, baselinesId, trialIds };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const trials = Number(process.argv[2] ?? 1000);
  const database = await openDatabase();
  const started = performance.now();
  const seeded = await seedDashboardDatabase(database.db, { trials });
  console.log(
    `seeded ${seeded.trialIds.length} trials into ${seeded.searchId} and ${seeded.baselinesId} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  await database.close();
}
