/** The dashboard only reads: any method but GET and HEAD is refused before routing, body parsing or a query. */
import type { FastifyInstance } from 'fastify';

const ALLOWED = new Set(['GET', 'HEAD']);

export function refuseWrites(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (ALLOWED.has(request.method)) return;
    await reply
      .code(405)
      .header('allow', 'GET, HEAD')
      .type('text/plain; charset=utf-8')
      .send('405 Method Not Allowed: the dashboard is read-only.\n');
  });
}
