// The raw body of a package upload route (`…/deploys`, `…/requests/package`): a stream, not parsed.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { PACKAGE_CONTENT_TYPES } from '@berth/sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';

/** Leaves package bodies unparsed in this scope (they are streamed to disk with their own limit). */
export function acceptPackageBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser([...PACKAGE_CONTENT_TYPES], (_req, payload, done) => done(null, payload));
}

/**
 * Calls `receive` with the request's body stream and its declared length. When `receive` refuses the
 * upload before reading all of it, the connection is closed after the answer (it cannot be reused).
 */
export async function withPackageBody<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  receive: (body: Readable, contentLength: number | undefined) => Promise<T>,
): Promise<T> {
  const raw = req.body as IncomingMessage | undefined;
  const body = raw === undefined ? Readable.from([]) : raw;
  if (!(body instanceof Readable)) {
    throw new BerthError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the package as the raw body (${PACKAGE_CONTENT_TYPES.join(', ')})`,
    );
  }
  const length = Number(req.headers['content-length']);
  try {
    return await receive(body, Number.isFinite(length) ? length : undefined);
  } catch (err) {
    if (!body.readableEnded) reply.header('connection', 'close');
    throw err;
  }
}
