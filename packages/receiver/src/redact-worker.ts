/**
 * A redaction thread: decodes, redacts and serialises pushes (prepare.ts) with its own copy of the
 * policy, and sends the serialised lines back, moved. Started by RedactPool.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { recycleEncodedBatch } from '@logtap/capture';
import { compileRedactor, type RedactorOptions } from '@logtap/redact';
import { newBuilder, type PrepareReply, type PrepareRequest, prepare } from './prepare.js';
import { batchTransferList, errorReply, type RecycleMessage } from './redact-pool.js';

interface WorkerInit {
  policy: RedactorOptions;
  redactLabels: boolean;
  maxLineBytes: number;
}

const port = parentPort;
if (port === null) throw new Error('redact-worker.js must run as a worker thread');
const init = workerData as WorkerInit;
const redactor = compileRedactor(init.policy);
const builder = newBuilder();

port.on('message', (msg: PrepareRequest | RecycleMessage) => {
  if ('recycle' in msg) {
    // A batch of ours, copied by the request thread: its buffers serve our next batches.
    recycleEncodedBatch(msg.recycle);
    return;
  }
  const req = msg;
  let reply: PrepareReply;
  try {
    const prepared = prepare(req, builder, redactor, init.redactLabels, init.maxLineBytes);
    reply = { id: req.id, ok: true, hits: redactor.counters(), ...prepared };
  } catch (err) {
    builder.clear();
    port.postMessage(errorReply(req.id, err));
    return;
  }
  port.postMessage(reply, batchTransferList(reply.batch));
});
