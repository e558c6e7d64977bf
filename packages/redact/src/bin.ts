#!/usr/bin/env node
// The only place of the package that touches the process: argv, stdio, env and the exit code.
import { runRedactCommand } from './cli.js';

// `logtap-redact file | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

try {
  process.exitCode = await runRedactCommand(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
} catch (e) {
  process.stderr.write(`logtap-redact: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 2;
}
