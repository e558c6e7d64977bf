#!/usr/bin/env node
// The `logtap` entry point: oclif loads the plugins named in package.json.
import { execute } from '@oclif/core/execute';

await execute({ dir: import.meta.url });
