/**
 * Failures become a generic page: a database error's text can hold a connection string, a host or
 * a stack, none of which a browser should see. The details go to the server's own log.
 */
import type { FastifyInstance } from 'fastify';
import { html } from './html.ts';
import { page } from './layout.ts';

export function errorPage(status: number, title: string, message: string): string {
  return page({
    title,
    body: html`<p class="error" data-status="${status}">${message}</p><p><a href="/">All runs</a></p>`,
  });
}

/** The error with its chain of causes (drizzle wraps the driver's error), for the server's log. */
export function errorDetails(error: unknown): string {
  const lines: string[] = [];
  for (
    let e: unknown = error, depth = 0;
    e !== undefined && e !== null && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    lines.push(`${depth === 0 ? '' : 'caused by: '}${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  return lines.join('\n');
}

export function handleErrors(app: FastifyInstance, log: (message: string) => void): void {
  app.setErrorHandler(async (error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(errorPage(status, 'Bad request', 'The dashboard could not understand this request.'));
    }
    log(`dashboard: ${request.method} ${request.url} failed: ${errorDetails(error)}`);
    return reply
      .code(500)
      .type('text/html; charset=utf-8')
      .send(
        errorPage(
          500,
          'Results unavailable',
          'The results database could not be read. The dashboard’s log on the server has the details.',
        ),
      );
  });
  app.setNotFoundHandler(async (_request, reply) =>
    reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(errorPage(404, 'Not found', 'There is no such page.')),
  );
}
