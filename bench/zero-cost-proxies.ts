/**
 * The CPU cost of each zero-cost proxy on the first architectures of the reference draw
 * (search/reference.ts), trained or not yet: the same computation as `nas estimators report`
 * (engine/proxies/score-architecture.ts), outside the database, printing per architecture each
 * proxy's score and CPU seconds (model build plus its own passes), then per proxy the mean,
 * median and largest CPU seconds.
 *
 *   node bench/zero-cost-proxies.ts [--architectures 10] [--seed 7] [--backend wasm] [--json]
 */
import { parseArgs } from 'node:util';
import { architectureHash } from '../cells/index.ts';
import { datasetShape } from '../contracts/datasets.ts';
import { PROXY_BATCH_SIZE, ZERO_COST_PROXIES } from '../contracts/estimators.ts';
import { protocolHash } from '../contracts/protocol.ts';
import { selectBackend, type BackendPreference } from '../engine/backend.ts';
import { loadProxyBatch } from '../engine/proxies/proxy-batch.ts';
import { scoreArchitecture, type ProxyScore } from '../engine/proxies/score-architecture.ts';
import { median } from '../numeric/statistics.ts';
import { DEFAULT_REFERENCE_SEED, referenceArchitectures, referenceProtocol } from '../search/reference.ts';

const { values } = parseArgs({
  options: {
    architectures: { type: 'string', default: '10' },
    seed: { type: 'string', default: String(DEFAULT_REFERENCE_SEED) },
    backend: { type: 'string', default: 'wasm' },
    json: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const protocol = referenceProtocol(seed);
const { input, classes } = datasetShape(protocol);
const { device } = await selectBackend(values.backend as BackendPreference, { log: () => {} });
const batch = await loadProxyBatch(protocol, PROXY_BATCH_SIZE, seed);
const results: { hash: string; scores: ProxyScore[] }[] = [];
for (const architecture of referenceArchitectures(seed, Number(values.architectures))) {
  const hash = architectureHash(architecture);
  const scores = scoreArchitecture({ architecture, archHash: hash, input, classes, seed, batch });
  results.push({ hash, scores });
  const shown = scores.map(
    (s) => `${s.estimator} ${s.score?.toPrecision(4) ?? 'undefined'} (${s.cpuSeconds?.toFixed(2)} s)`,
  );
  console.error(`${hash}: ${shown.join(', ')}`);
}
const summary = ZERO_COST_PROXIES.map((proxy) => {
  const cpu = results.map((r) => r.scores.find((s) => s.estimator === proxy)?.cpuSeconds ?? NaN);
  return {
    proxy,
    architectures: cpu.length,
    meanCpuSeconds: cpu.reduce((a, b) => a + b, 0) / cpu.length,
    medianCpuSeconds: median(cpu),
    maxCpuSeconds: Math.max(...cpu),
  };
});
if (values.json) {
  console.log(
    JSON.stringify(
      { device, protocol: protocolHash(protocol), seed, batch: PROXY_BATCH_SIZE, results, summary },
      null,
      2,
    ),
  );
} else {
  console.log(`on ${device}, ${PROXY_BATCH_SIZE} images of protocol ${protocolHash(protocol)}, seed ${seed}`);
  console.log('| proxy | architectures | mean CPU s | median CPU s | max CPU s |\n| --- | ---: | ---: | ---: | ---: |');
  for (const s of summary)
    console.log(
      `| ${s.proxy} | ${s.architectures} | ${s.meanCpuSeconds.toFixed(2)} | ${s.medianCpuSeconds.toFixed(2)} | ${s.maxCpuSeconds.toFixed(2)} |`,
    );
}
