/** A chart on a page: the server-drawn SVG, its caption, and the markers' links for chart-points.js. */
import { html, trusted, type Html } from '../html.ts';
import { chartLinks, chartSvg, type ChartSpec } from '../render/chart.ts';

export function chartFigure(id: string, spec: ChartSpec, caption: string): Html {
  return html`<figure id="${id}" class="chart" data-points="${JSON.stringify(chartLinks(spec))}">${trusted(chartSvg(spec, id))}<figcaption>${caption}</figcaption></figure>`;
}
