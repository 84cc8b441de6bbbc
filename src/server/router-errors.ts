import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem, type Problem } from './problem.js';

/**
 * Errors raised before a route runs — by Node's HTTP parser or Fastify's router — answered in the one
 * problem+json shape like every other error, instead of Fastify's and Node's own bodies.
 */

/** Longest path parameter the router matches (ids are 26 characters); longer is 414. */
export const MAX_PARAM_LENGTH = 200;
/** Request line (path and query) plus headers, in bytes; Node's default. More is 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Fastify `frameworkErrors`: a path that is not valid percent-encoding (`%ff`), a path parameter too long to match. */
export function onFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    void sendProblem(reply, problem(400, 'bad-url', 'The request path is not valid percent-encoded UTF-8 (such as "%ff"); encode it and try again'));
    return;
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendProblem(reply, problem(414, 'uri-too-long', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`));
    return;
  }
  void sendProblem(reply, problem(400, 'bad-request', 'The request could not be routed'));
}

/**
 * Node's `clientError`: the request is not HTTP we can read. Written to the socket directly (there is
 * no request object), then the socket is closed, as Node does by default.
 */
export function onClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const p = clientProblem(error.code);
  if (socket.writable) {
    const body = JSON.stringify(p);
    socket.write(
      `HTTP/1.1 ${p.status} ${p.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function clientProblem(code: string | undefined): Problem {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return problem(431, 'headers-too-large', `The request line (path and query) and headers exceed ${MAX_HEADER_BYTES} bytes`);
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return problem(400, 'bad-content-length', 'The Content-Length header is not a single valid length (or conflicts with Transfer-Encoding)');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem(408, 'request-timeout', 'The request was not received in time');
    default:
      return problem(400, 'bad-request', 'The request is not valid HTTP/1.1');
  }
}
