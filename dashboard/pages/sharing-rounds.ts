/** A weight-sharing search's rounds: the shared network's training curve, the controller's entropy and the round's scores. */
import type { SharingRound } from '../../db/queries/sharing-rounds.ts';
import { percent } from '../format.ts';
import { html, type Html } from '../html.ts';

export function sharingRoundsSection(rounds: SharingRound[]): Html {
  const rows = rounds.map(
    (r) =>
      html`<tr><td class="num">${String(r.round)}</td><td class="num">${String(r.sharedStep)}</td><td>${r.trainedOn}</td><td class="num">${r.trainLoss.toFixed(3)}</td><td class="num">${percent(r.trainAccuracy)}</td><td class="num">${r.entropyPerDecision === null ? '' : r.entropyPerDecision.toFixed(3)}</td><td class="num">${String(r.scored)}</td><td class="num">${percent(r.meanScore)}</td><td class="num">${percent(r.bestScore)}</td><td class="num">${cpuText(r.trainCpuSeconds)}</td><td class="num">${cpuText(r.scoreCpuSeconds)}</td></tr>`,
  );
  return html`<h2>Weight-sharing rounds</h2>
${
  rounds.length === 0
    ? html`<p class="note">No round has ended yet.</p>`
    : html`<table id="sharing-rounds"><thead><tr><th class="num">round</th><th class="num">shared steps</th><th>trained on</th><th class="num">train loss</th><th class="num">train acc</th><th class="num">controller entropy</th><th class="num">scored</th><th class="num">mean score</th><th class="num">best score</th><th class="num">training CPU s</th><th class="num">scoring CPU s</th></tr></thead><tbody>${rows}</tbody></table>`
}
<p class="note">Each round trains the shared network on sampled architectures (train loss and accuracy: the means over its steps), then scores architectures with its weights (a score is a validation accuracy with shared weights, not a training; <code>nas search finalize</code> retrains the best from scratch).</p>`;
}

function cpuText(seconds: number | null): string {
  return seconds === null ? '' : seconds.toFixed(0);
}
