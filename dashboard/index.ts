/** The read-only web dashboard (issue 17) and the renderers the CLI shares with it. */
export { startDashboard, type Dashboard, type DashboardOptions } from './start.ts';
export { chartSvg, type ChartSpec, type ChartSeries, type ChartPoint } from './render/chart.ts';
export { cellSvg, cellDiagramSvg } from './render/cell-diagram.ts';
export { scalingChartSpec } from './render/scaling-chart.ts';
