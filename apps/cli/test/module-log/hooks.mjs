// The ES module half of register.mjs (module hooks run on their own thread).
import { appendFileSync } from 'node:fs';

const out = process.env.LOGTAP_MODULE_LOG;

export async function load(url, context, next) {
  const result = await next(url, context);
  if (out && !url.startsWith('node:')) appendFileSync(out, `${url}\n`);
  return result;
}
