/**
 * Live updates: /events and /events/runs/:id are server-sent-event streams that send `change`
 * whenever the watched run's change stamp moves (checked every pollMs); pages then refetch
 * themselves and swap their live sections (assets/live.js).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Database } from '../db/client';
import { changeStamp } from '../db/queries/dashboard-changes';
import { errorDetails } from './errors';

export function serveLiveEvents(
  app: FastifyInstance,
  db: Database,
  pollMs: number,
  log: (message: string) => void,
): void {
  const open = new Set<ServerResponse>();
  app.addHook('onClose', async () => {
    for (const stream of open) stream.end();
  });

  const stream = async (watched: string | undefined, request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send();
    let last = await changeStamp(db, watched);
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    out.write(`retry: ${pollMs * 2}\n\n`);
    open.add(out);
    let polling = false;
    const timer = setInterval(async () => {
      if (polling) return;
      polling = true;
      try {
        const now = await changeStamp(db, watched);
        if (now !== last) {
          last = now;
          out.write(`event: change\ndata: ${Date.now()}\n\n`);
        }
      } catch (error) {
        log(`dashboard: live updates: ${errorDetails(error)}`);
        out.write('event: unavailable\ndata: database\n\n');
      } finally {
        polling = false;
      }
    }, pollMs);
    out.on('close', () => {
      clearInterval(timer);
      open.delete(out);
    });
  };

  app.get('/events', (request, reply) => stream(undefined, request, reply));
  app.get<{ Params: { id: string } }>('/events/runs/:id', (request, reply) =>
    stream(request.params.id, request, reply),
  );
}
