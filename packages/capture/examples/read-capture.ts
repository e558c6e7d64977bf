/**
 * Reading a capture from your own tool: errors per app in the last 15 minutes of the capture.
 * Run: node --import tsx examples/read-capture.ts ./capture
 * (This file is the README's example; src/examples.test.ts runs it.)
 */

import {
  captureTimeContext,
  openCapture,
  parseLabelMatcher,
  parseTimeRange,
  readEntryBatches,
} from '../src/index.js'; // in your tool: from '@logtap/capture'

const cap = await openCapture(process.argv[2] ?? '.'); // metadata, index, files; nothing decoded yet
console.log(`${cap.files.length} files, ${cap.indexedLines} indexed lines, live: ${cap.live}`);

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());
const { from, to } = parseTimeRange('-15m', undefined, captureTimeContext(cap));
const errorsByApp = new Map<string, number>();
for await (const batch of readEntryBatches(
  cap,
  { from, to, labels: [parseLabelMatcher('namespace=load-test')], msg: '(?i)error|exception' },
  { signal: ac.signal, onWarning: (w) => console.error(`skipped: ${w.file}: ${w.detail}`) },
)) {
  for (const e of batch) {
    const app = e.labels['app'] ?? '?';
    errorsByApp.set(app, (errorsByApp.get(app) ?? 0) + 1);
  }
}
console.log(JSON.stringify(Object.fromEntries(errorsByApp)));
