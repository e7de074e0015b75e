/** A trial's page: its cells drawn as graphs, the network's stages, the learning curve, its provenance. */
import { datasetShape } from '../../contracts/datasets.ts';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import type { Architecture, InputShape } from '../../contracts/genotypes.ts';
import type { Database } from '../../db/client.ts';
import { trialDetail, type TrialDetail } from '../../db/queries/dashboard-trials.ts';
import { compact, exportCommand, milliseconds, percent, seconds, timestamp } from '../format.ts';
import { html, trusted, type Html } from '../html.ts';
import { page } from '../layout.ts';
import { networkStages } from '../network-summary.ts';
import { cellDiagramSvg } from '../render/cell-diagram.ts';
import { trialCurveSpec, trialLossSpec } from '../render/search-charts.ts';
import { chartFigure } from './figure.ts';

/** The input and class count the run trained for, as its request recorded them (else the dataset's). */
function inputOf(detail: TrialDetail): { input: InputShape; classes: number } {
  const config = (detail.run.config ?? {}) as { input?: InputShape; classes?: number };
  const dataset = datasetShape(detail.protocol);
  return { input: config.input ?? dataset.input, classes: config.classes ?? dataset.classes };
}

/** The protocol's fields; a dataset descriptor as its shape, classes, sizes and version. */
function protocolText(protocol: TrainingProtocol): string {
  const { datasetInfo, ...fields } = protocol;
  const text = Object.entries(fields).map(([k, v]) => `${k} ${v}`);
  if (datasetInfo) {
    const { input, classNames, trainSamples, testSamples, version } = datasetInfo;
    text.push(
      `dataset ${input.height}x${input.width}x${input.channels}, ${classNames.length} classes (${classNames.join(', ')}), ${trainSamples} train / ${testSamples} test images, version ${version}`,
    );
  }
  return text.join(', ');
}

async function cells(architecture: Architecture): Promise<Html> {
  if (architecture.family !== 'nasnet') return html``;
  const [normal, reduction] = await Promise.all([
    cellDiagramSvg(architecture.normal, 'Normal cell'),
    cellDiagramSvg(architecture.reduction, 'Reduction cell'),
  ]);
  return html`<h2>Cells</h2>
<p class="note">Each block reads two states (the cell inputs h(i-2), h(i-1), or an earlier block), applies one operation to each and combines them; the blocks no block reads are concatenated into the cell's output h(i).</p>
<div class="charts"><figure id="normal-cell" class="cell">${trusted(normal)}</figure><figure id="reduction-cell" class="cell">${trusted(reduction)}</figure></div>`;
}

function network(detail: TrialDetail): Html {
  const { input, classes } = inputOf(detail);
  const stages = networkStages(detail.architecture.genotype, input, classes);
  return html`<h2>Network</h2>
<dl class="facts">
<dt>architecture</dt><dd>${detail.architecture.family} ${detail.architecture.hash}</dd>
<dt>description</dt><dd class="arch">${detail.architecture.description}</dd>
<dt>params</dt><dd>${detail.trial.params.toLocaleString('en')} (${compact(detail.trial.params)})</dd>
<dt>FLOPs</dt><dd>${detail.trial.flops.toLocaleString('en')} (${compact(detail.trial.flops)}) multiply-adds per ${input.height}x${input.width}x${input.channels} image</dd>
</dl>
<table id="stages"><thead><tr><th>stage</th><th class="num">layers</th><th>output</th><th class="num">params</th><th class="num">FLOPs</th></tr></thead><tbody>
${stages.map((s) => html`<tr><td>${s.name}</td><td class="num">${s.layers}</td><td>${s.outputShape.join('×')}</td><td class="num">${compact(s.params)}</td><td class="num">${compact(s.flops)}</td></tr>`)}
</tbody></table>`;
}

function curve(detail: TrialDetail): Html {
  if (detail.epochs.length === 0)
    return html`<section id="curve" data-live><h2>Learning curve</h2><p class="note">No epochs recorded for this trial${detail.trial.reusedFrom ? ' (it reused another trial\u2019s result)' : ''}.</p></section>`;
  return html`<section id="curve" data-live><h2>Learning curve</h2><div class="charts">
${chartFigure('trial-accuracy', trialCurveSpec(detail.epochs), 'Accuracy per epoch.')}
${chartFigure('trial-loss', trialLossSpec(detail.epochs), 'Loss per epoch.')}
</div></section>`;
}

function provenance(detail: TrialDetail): Html {
  const t = detail.trial;
  return html`<section id="provenance" data-live><h2>Result and provenance</h2>
<dl class="facts">
<dt>run</dt><dd><a href="/${detail.run.kind === 'scaling' ? 'scaling' : 'runs'}/${encodeURIComponent(detail.run.id)}">${detail.run.id}</a> (${detail.run.kind}), trial ${t.trialIndex}</dd>
<dt>state</dt><dd class="status status-${t.status}" id="trial-status">${t.status}</dd>
<dt>role</dt><dd>${t.role}${t.baselineName ? ` (baseline ${t.baselineName})` : ''}</dd>
<dt>validation / test accuracy</dt><dd>${percent(t.valAccuracy) || '—'} / ${percent(t.testAccuracy) || '—'}</dd>
${t.reward !== null ? html`<dt>reward</dt><dd>${t.reward.toFixed(4)}</dd>` : ''}
<dt>fidelity level</dt><dd>${t.fidelity}</dd>
<dt>training seed</dt><dd>${t.seed}</dd>
<dt>protocol</dt><dd>${t.protocolHash}: ${protocolText(detail.protocol)}</dd>
<dt>backend / device / worker</dt><dd>${t.backend ?? '—'} / ${t.device ?? '—'} / ${t.worker ?? '—'}</dd>
<dt>attempts</dt><dd>${t.attempts}</dd>
${latency(t)}
<dt>kept weights</dt><dd id="trial-weights">${keptWeights(t)}</dd>
<dt>training time</dt><dd>${seconds(t.trainSeconds) || '—'}${t.samplesPerSecond ? `, ${Math.round(t.samplesPerSecond)} samples/s` : ''}</dd>
<dt>created / started / finished</dt><dd>${timestamp(t.createdAt)} / ${timestamp(t.startedAt) || '—'} / ${timestamp(t.finishedAt) || '—'}</dd>
${t.reusedFrom ? html`<dt>reused from</dt><dd><a href="/trials/${encodeURIComponent(t.reusedFrom)}">${t.reusedFrom}</a></dd>` : ''}
${t.error ? html`<dt>error</dt><dd class="error">${t.error}</dd>` : ''}
</dl></section>`;
}

/** The inference latency its trainer measured before training, and on what. */
function latency(t: TrialDetail['trial']): Html | string {
  if (t.latencyMs === null) return '';
  const batch =
    t.latencyBatchSize !== null && t.latencyBatchSize !== 1
      ? `, ${milliseconds(t.latencyBatchMs)} at batch ${t.latencyBatchSize}`
      : '';
  return html`<dt>inference latency</dt><dd id="trial-latency">${milliseconds(t.latencyMs)} at batch 1${batch} (median, before training) on ${t.latencyDevice ?? '—'}</dd>`;
}

function keptWeights(t: TrialDetail['trial']): Html | string {
  if (t.weightsKept) return html`yes: <code class="copy">${exportCommand(t.id)}</code>`;
  if (t.status !== 'succeeded') return 'none';
  return t.role === 'search' ? 'none (a search keeps its trials\u2019 weights with --keep-weights all)' : 'none';
}

export async function trialPage(db: Database, id: string): Promise<string | null> {
  const detail = await trialDetail(db, id);
  if (!detail) return null;
  const body = html`${provenance(detail)}
${curve(detail)}
${await cells(detail.architecture.genotype)}
${network(detail)}`;
  return page({ title: `Trial ${id}`, body, events: `/events/runs/${encodeURIComponent(detail.run.id)}` });
}
