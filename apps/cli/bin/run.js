#!/usr/bin/env node
// The `logtap` entry point: oclif loads the plugins named in package.json.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
