import { request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with node:http (full control over headers and chunked bodies). */
export function http(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer | Buffer[];
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    const body = opts.body;
    if (Array.isArray(body)) for (const part of body) req.write(part);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A Loki JSON v1 body from `[labels, [[ns, line], ...]]` pairs. */
export function lokiJson(streams: Array<[Record<string, string>, Array<[string, string]>]>): string {
  return JSON.stringify({ streams: streams.map(([stream, values]) => ({ stream, values })) });
}
