/** The targets of issue 18 that bench/orchestration.ts measures, each as {target, value, met} (as bench:train reports). */

export interface OrchestrationRun {
  deployment: string;
  trainers: number;
  parallel: number;
  trialMs: number;
  trialsPerSecond: number;
  overheadMs: number;
}

export interface Target {
  target: string;
  value: number;
  met: boolean;
}

export function orchestrationTargets(runs: OrchestrationRun[], scaleOutTrialMs: number): Target[] {
  const find = (deployment: string, parallel: number, trialMs: number, trainers = 1) =>
    runs.find(
      (r) => r.deployment === deployment && r.parallel === parallel && r.trialMs === trialMs && r.trainers === trainers,
    );
  const out: Target[] = [];
  const add = (target: string, value: number | undefined, met: (v: number) => boolean) => {
    if (value !== undefined) out.push({ target, value, met: met(value) });
  };
  for (const deployment of ['embedded', 'temporal-postgres']) {
    const run = find(deployment, 16, 1000);
    add(
      `${deployment}: overhead at most 5% of trial time on 1 s trials at parallel 16 (fraction)`,
      run && run.overheadMs / 1000,
      (v) => v <= 0.05,
    );
  }
  add(
    'embedded: overhead at most 30 ms per trial at parallel 1 (ms)',
    find('embedded', 1, 0)?.overheadMs,
    (v) => v <= 30,
  );
  add(
    'temporal-postgres: at least 50 trials/s at parallel 64 with 0 s trials (trials/s)',
    find('temporal-postgres', 64, 0)?.trialsPerSecond,
    (v) => v >= 50,
  );
  const scaleOut = (trainers: number) =>
    runs.find((r) => r.deployment === 'temporal-postgres' && r.trialMs === scaleOutTrialMs && r.trainers === trainers);
  const [one, eight] = [scaleOut(1), scaleOut(8)];
  add(
    `temporal-postgres: 8 trainer processes at least 7x the throughput of 1 on ${scaleOutTrialMs / 1000} s trials (ratio)`,
    one && eight && eight.trialsPerSecond / one.trialsPerSecond,
    (v) => v >= 7,
  );
  return out;
}
