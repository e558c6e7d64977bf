import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeOtlpStatus } from '@logtap/protocol';
import { PushRejectedError } from './errors.js';
import type { DecodedPush } from './types.js';

/** Answers with a plain-text body (unless an answer was already sent). */
export function reply(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
  newline = true,
): void {
  if (res.headersSent) return;
  const body = newline ? `${text}\n` : text;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function replyJson(res: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers without reading the body, and closes the connection so the unread body is not parsed. */
export function rejectEarly(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): number {
  reply(res, status, message, { ...headers, Connection: 'close' });
  req.resume();
  return status;
}

/** Answers a push that could not be decoded (OTLP clients get a google.rpc.Status body). */
export function replyBadPush(req: IncomingMessage, res: ServerResponse, path: string, err: unknown): number {
  const status = httpStatusOf(err);
  const message = (err as Error).message ?? 'bad request';
  if (path === '/otlp/v1/logs') {
    // OTLP clients expect a google.rpc.Status body in the request's encoding.
    const json = (req.headers['content-type'] ?? '').toLowerCase().includes('json');
    const body = encodeOtlpStatus({ httpStatus: status, message }, json ? 'json' : 'protobuf');
    res.writeHead(status, {
      'Content-Type': json ? 'application/json' : 'application/x-protobuf',
      'Content-Length': body.length,
    });
    res.end(body);
  } else {
    reply(res, status, message);
  }
  return status;
}

/** Loki-style grouped reasons (as protocol's formatRejections): `3 errors like: <message>` per message. */
export function describeRejected(rejected: NonNullable<DecodedPush['rejected']>): string {
  const groups = new Map<string, number>();
  for (const r of rejected) groups.set(r.error.message, (groups.get(r.error.message) ?? 0) + r.entries);
  return [...groups].map(([message, n]) => `${n} errors like: ${message}`).join('\n');
}

function httpStatusOf(err: unknown): number {
  if (err instanceof PushRejectedError) return err.httpStatus;
  const status = (err as { httpStatus?: unknown } | null)?.httpStatus;
  if (typeof status === 'number' && status >= 400 && status < 600) return status;
  return 400;
}
