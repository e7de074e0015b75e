/** The stylesheet and the small plain browser scripts, read once from dashboard/assets/. */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const FILES: Record<string, string> = {
  'dashboard.css': 'text/css; charset=utf-8',
  'tables.js': 'text/javascript; charset=utf-8',
  'chart-points.js': 'text/javascript; charset=utf-8',
  'live.js': 'text/javascript; charset=utf-8',
};

export function serveAssets(app: FastifyInstance): void {
  for (const [name, type] of Object.entries(FILES)) {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
    app.get(`/assets/${name}`, async (_request, reply) =>
      reply.type(type).header('cache-control', 'no-cache').send(body),
    );
  }
}
