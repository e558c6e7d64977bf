// Bundles the logtap-forwarder program (dist/main.js, compiled by tsc) into one self-contained ES module,
// dist/bundle/logtap-forwarder.mjs, which is what the image ships. Why (docs/forwarder.md, "Resources"):
// the sidecar runs in every tapped pod, and loading @kubernetes/client-node's barrel from node_modules
// (every generated API and model, ~970 modules) costs ~75 MiB of RSS. In one minified file, with the
// client's modules marked free of side effects, esbuild keeps only what the forwarder reaches (KubeConfig,
// CoreV1Api, Log and their imports) and V8 holds one small source text instead of thousands. The plugins
// below also drop client-node's model classes, node-fetch's whatwg-url fallback and undici's unused parts
// (each measured; see their comments). Only `snappy` stays outside: a native addon (a prebuilt .node per
// platform) cannot be inlined.
// Usage: node scripts/bundle.mjs [--metafile]   (run by `pnpm build` after tsc)
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outfile = join(root, 'dist', 'bundle', 'logtap-forwarder.mjs');
const CLIENT_NODE = join('@kubernetes', 'client-node', 'dist');

/**
 * @kubernetes/client-node declares no `sideEffects`, so esbuild would keep every module its barrel
 * re-exports (every API group and its request factory). None of its modules does anything at load time
 * beyond defining classes and constants, so they are marked side-effect free: a module whose exports are
 * unused is dropped. (The models would stay, named by ObjectSerializer's type map: see noModels.)
 */
const clientNodeIsPure = {
  name: 'client-node-side-effect-free',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.inner) return undefined;
      const fromClient =
        args.importer.includes(CLIENT_NODE) || args.path.startsWith('@kubernetes/client-node');
      if (!fromClient) return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { inner: true },
      });
      if (r.errors.length > 0 || !r.path.includes(CLIENT_NODE)) return r;
      return { ...r, sideEffects: false };
    });
  },
};

/**
 * node-fetch 2 (client-node's HTTP client) imports whatwg-url only as a fallback for a runtime without a
 * global URL (`Url.URL || whatwgUrl.URL`); Node has one, and the fallback would load tr46's Unicode
 * tables (~260 KB of source) for nothing.
 */
const noWhatwgUrl = {
  name: 'no-whatwg-url',
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'logtap-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'logtap-stub' }, () => ({
      contents: 'export default { URL: globalThis.URL }; export const URL = globalThis.URL;',
      loader: 'js',
    }));
  },
};

/**
 * client-node's ObjectSerializer maps every model name to its class (~700 of them) so that responses are
 * turned into model instances. The forwarder turns the pod it reads straight back into plain JSON
 * (KubeClient.getPod), so the bundle gets an empty map: ObjectSerializer.deserialize then returns the
 * parsed JSON as it is (its documented path for a type it does not know), and the model classes, no
 * longer referenced, are dropped (-3 MiB of idle RSS, -5 to -8 MiB at startup and under load). The e2e
 * tests run the bundle against the test API server. If client-node's generated file changes shape, the
 * build fails here rather than ship something untested.
 */
const noModels = {
  name: 'client-node-no-models',
  setup(b) {
    b.onLoad(
      { filter: /[\\/]client-node[\\/]dist[\\/]gen[\\/]models[\\/]ObjectSerializer\.js$/ },
      async (args) => {
        const src = await readFile(args.path, 'utf8');
        const start = src.indexOf('\nlet typeMap = {\n');
        const end = src.indexOf('\n};\n', start);
        if (start < 0 || end < 0 || src.indexOf('\nlet typeMap = {\n', start + 1) >= 0)
          throw new Error(
            `${args.path}: no single \`let typeMap = {...};\` found; update scripts/bundle.mjs`,
          );
        return {
          contents: `${src.slice(0, start)}\nlet typeMap = {};${src.slice(end + 3)}`,
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      },
    );
  },
};

/**
 * undici's entry loads everything it offers (fetch, WebSocket, caches, mocks, proxies: ~540 KB of bundle);
 * the pusher only needs `Agent` and the `request` method that the entry mixes into `Dispatcher`. The
 * forwarder's own `import { Agent } from 'undici'` is pointed at exactly that.
 */
const undiciAgentOnly = {
  name: 'undici-agent-only',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      args.importer.startsWith(join(root, 'dist'))
        ? { path: 'undici', namespace: 'logtap-undici' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'logtap-undici' }, () => ({
      contents: [
        "import Agent from 'undici/lib/dispatcher/agent.js';",
        "import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';",
        "import api from 'undici/lib/api/index.js';",
        'Object.assign(Dispatcher.prototype, api);',
        'export { Agent };',
      ].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

const result = await build({
  entryPoints: [join(root, 'dist', 'main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Smaller source text = less V8 heap (V8 keeps a script's source for lazy compilation); names kept
  // because libraries read `constructor.name` in places.
  minify: true,
  keepNames: true,
  legalComments: 'none',
  sourcemap: false,
  external: ['snappy'],
  define: { LOGTAP_FORWARDER_VERSION: JSON.stringify(pkg.version) },
  // The CommonJS dependencies (undici, node-fetch, js-yaml, ...) call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __logtapCreateRequire } from 'node:module'; const require = __logtapCreateRequire(import.meta.url);",
  },
  plugins: [clientNodeIsPure, noWhatwgUrl, noModels, undiciAgentOnly],
  metafile: process.argv.includes('--metafile'),
  logLevel: 'warning',
});
if (result.metafile) {
  const meta = `${outfile}.meta.json`;
  writeFileSync(meta, JSON.stringify(result.metafile));
  process.stderr.write(`metafile: ${meta} (${dirname(outfile)})\n`);
}
