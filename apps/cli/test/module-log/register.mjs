// Preloaded with `node --import` by startup.test.ts: appends the URL or path of every module the process
// loads (ES modules through a load hook, CommonJS through Module._load) to the file named by
// LOGTAP_MODULE_LOG, one per line.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const out = process.env.LOGTAP_MODULE_LOG;
if (out) {
  register('./hooks.mjs', import.meta.url);
  const load = Module._load;
  Module._load = function logged(request, parent, isMain) {
    const loaded = load.call(this, request, parent, isMain);
    if (!request.startsWith('node:') && !Module.isBuiltin(request)) {
      appendFileSync(out, `${Module._resolveFilename(request, parent, isMain)}\n`);
    }
    return loaded;
  };
}
