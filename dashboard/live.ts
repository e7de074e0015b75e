/**
 * Live updates: /events and /events/runs/:id are server-sent-event streams that send `change`
 * whenever the watched run's change stamp moves (checked every pollMs); pages then refetch
 * themselves and swap their live sections (assets/live.js).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/client.ts';
import { changeStamp } from '../db/queries/dashboard-changes.ts';
import { errorDetails } from './errors.ts';

export function serveLiveEvents(
  app: FastifyInstance,
  db: Database,
  pollMs: number,
  log: (message: string) => void,
): void {
  // Each open stream's stop: closing the app stops every one, whether or not its client said goodbye.
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const stop of open) stop();
  });

  const stream = async (watched: string | undefined, request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send();
    let last = await changeStamp(db, watched);
    reply.hijack();
    const out = reply.raw;
    // A client that left while the stamp was read has closed already: no 'close' would stop its timer.
    if (out.destroyed || request.raw.destroyed) {
      out.destroy();
      return;
    }
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const send = (text: string) => {
      if (!out.writableEnded && !out.destroyed) out.write(text);
    };
    send(`retry: ${pollMs * 2}\n\n`);
    let polling = false;
    const timer = setInterval(async () => {
      if (polling) return;
      polling = true;
      try {
        const now = await changeStamp(db, watched);
        if (now !== last) {
          last = now;
          send(`event: change\ndata: ${Date.now()}\n\n`);
        }
      } catch (error) {
        log(`dashboard: live updates: ${errorDetails(error)}`);
        send('event: unavailable\ndata: database\n\n');
      } finally {
        polling = false;
      }
    }, pollMs);
    const stop = () => {
      clearInterval(timer);
      open.delete(stop);
      out.end();
    };
    open.add(stop);
    out.on('close', stop);
  };

  app.get('/events', (request, reply) => stream(undefined, request, reply));
  app.get<{ Params: { id: string } }>('/events/runs/:id', (request, reply) =>
    stream(request.params.id, request, reply),
  );
}
