/** The dashboard's Fastify application: read-only guard, pages, assets, live events, generic errors. */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Database } from '../db/client.ts';
import { serveAssets } from './assets.ts';
import { errorPage, handleErrors } from './errors.ts';
import { allowedHostNames, isAllowedHost } from './hosts.ts';
import { html } from './html.ts';
import { page } from './layout.ts';
import { serveLiveEvents } from './live.ts';
import { changedSections, parseHeldSections } from './live-sections.ts';
import { refuseWrites } from './read-only.ts';
import { runPage } from './pages/run.ts';
import { parseRunView, type RunView } from './pages/run-view.ts';
import { runsPage } from './pages/runs.ts';
import { scalingPage } from './pages/scaling.ts';
import { trialPage } from './pages/trial.ts';

export interface DashboardAppOptions {
  db: Database;
  temporalUiUrl?: string;
  /** How often a live page's stream checks the database for changes (default 1000 ms). */
  pollMs?: number;
  log?: (message: string) => void;
  /** The address it listens on: requests whose `Host` names another are refused (default 127.0.0.1). */
  host?: string;
  /** Rows of a run page's trial table per page (default 100). */
  trialsPerPage?: number;
}

/** Scripts and styles only from the dashboard itself; ECharts' SVGs carry inline <style>. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

function sendPage(reply: FastifyReply, markup: string | null, missing: string) {
  return markup === null
    ? reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(errorPage(404, 'Not found', missing))
    : reply.type('text/html; charset=utf-8').send(markup);
}

export function buildDashboardApp(options: DashboardAppOptions): FastifyInstance {
  const {
    db,
    temporalUiUrl,
    pollMs = 1000,
    log = (message) => console.error(message),
    host = '127.0.0.1',
    trialsPerPage = 100,
  } = options;
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 1000 },
    // A path that does not decode (a stray `%`) names no page.
    frameworkErrors: (_error, _request, reply: FastifyReply) =>
      reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(errorPage(404, 'Not found', 'There is no such page.')),
  });
  const allowedHosts = allowedHostNames(host);
  app.addHook('onRequest', async (request, reply) => {
    if (isAllowedHost(request.headers.host, allowedHosts)) return;
    return reply
      .code(403)
      .type('text/html; charset=utf-8')
      .send(
        errorPage(
          403,
          'Wrong address',
          `This dashboard answers at ${host} and localhost only, not at the address this page was loaded from.`,
        ),
      );
  });
  refuseWrites(app);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
    return payload;
  });
  handleErrors(app, log);
  serveAssets(app);
  serveLiveEvents(app, db, pollMs, log);

  app.get('/', async (_request, reply) => sendPage(reply, await runsPage(db), ''));
  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/runs/:id', async (request, reply) => {
    let view: RunView;
    let held: Map<string, string> | undefined;
    try {
      view = parseRunView(request.query);
      if (request.query.sections !== undefined) held = parseHeldSections(request.query.sections);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorPage(400, 'Bad request', error.message));
    }
    const run = await runPage(db, request.params.id, view, { temporalUiUrl, trialsPerPage });
    if (run && held) {
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(changedSections(run.sections, held).text);
    }
    return sendPage(
      reply,
      run && page({ title: run.title, body: html`${run.sections.map((s) => s.markup)}`, events: run.events }),
      'No run with this id is recorded.',
    );
  });
  // Trial ids hold a slash (`${searchId}/${trialIndex}`): the rest of the path, decoded by the router, is the id.
  app.get<{ Params: { '*': string } }>('/trials/*', async (request, reply) =>
    sendPage(reply, await trialPage(db, request.params['*']), 'No trial with this id is recorded.'),
  );
  app.get<{ Params: { id: string } }>('/scaling/:id', async (request, reply) =>
    sendPage(reply, await scalingPage(db, request.params.id), 'No scaling study with this id is recorded.'),
  );
  return app;
}
