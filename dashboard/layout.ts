/** The page shell every dashboard page shares: title, navigation, the stylesheet and the browser scripts. */
import { html, type Html } from './html.ts';

export interface PageOptions {
  title: string;
  body: Html;
  /** The server-sent-events URL that announces changes; the page then refreshes its live sections. */
  events?: string;
}

export function page({ title, body, events }: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · nas dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/tables.js" defer></script>
<script src="/assets/chart-points.js" defer></script>
${events ? html`<script src="/assets/live.js" defer></script>` : ''}
</head>
<body${events ? html` data-events="${events}"` : ''}>
<header><a class="home" href="/">nas dashboard</a><span class="read-only">read-only</span><span id="live-status"></span></header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.text;
}
