/** The dashboard's Fastify application: read-only guard, pages, assets, live events, generic errors. */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Database } from '../db/client';
import { serveAssets } from './assets';
import { errorPage, handleErrors } from './errors';
import { serveLiveEvents } from './live';
import { refuseWrites } from './read-only';
import { runPage } from './pages/run';
import { runsPage } from './pages/runs';
import { scalingPage } from './pages/scaling';
import { trialPage } from './pages/trial';

export interface DashboardAppOptions {
  db: Database;
  temporalUiUrl?: string;
  /** How often a live page's stream checks the database for changes (default 1000 ms). */
  pollMs?: number;
  log?: (message: string) => void;
}

/** Scripts and styles only from the dashboard itself; ECharts' SVGs carry inline <style>. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

function sendPage(reply: FastifyReply, markup: string | null, missing: string) {
  return markup === null
    ? reply.code(404).type('text/html; charset=utf-8').send(errorPage(404, 'Not found', missing))
    : reply.type('text/html; charset=utf-8').send(markup);
}

export function buildDashboardApp(options: DashboardAppOptions): FastifyInstance {
  const { db, temporalUiUrl, pollMs = 1000, log = (message) => console.error(message) } = options;
  const app = Fastify({ logger: false, forceCloseConnections: true, routerOptions: { maxParamLength: 1000 } });
  refuseWrites(app);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    return payload;
  });
  handleErrors(app, log);
  serveAssets(app);
  serveLiveEvents(app, db, pollMs, log);

  app.get('/', async (_request, reply) => sendPage(reply, await runsPage(db), ''));
  app.get<{ Params: { id: string }; Querystring: { cost?: string } }>('/runs/:id', async (request, reply) => {
    const cost = request.query.cost === 'flops' ? 'flops' : 'params';
    return sendPage(reply, await runPage(db, request.params.id, { temporalUiUrl, cost }), 'No run with this id is recorded.');
  });
  // Trial ids hold a slash (`${searchId}/${trialIndex}`): the rest of the path is the id.
  app.get<{ Params: { '*': string } }>('/trials/*', async (request, reply) =>
    sendPage(reply, await trialPage(db, decodeURIComponent(request.params['*'])), 'No trial with this id is recorded.'),
  );
  app.get<{ Params: { id: string } }>('/scaling/:id', async (request, reply) =>
    sendPage(reply, await scalingPage(db, request.params.id), 'No scaling study with this id is recorded.'),
  );
  return app;
}
