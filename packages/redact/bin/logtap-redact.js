#!/usr/bin/env node
// The `logtap-redact` bin. A committed shim rather than dist/bin.js itself, so that pnpm can link the bin
// in a fresh clone before anything is built (it warns "Failed to create bin" for a missing target);
// the program is src/bin.ts, built to dist/bin.js.
import '../dist/bin.js';
