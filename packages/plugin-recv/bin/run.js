#!/usr/bin/env node
// Runs this plugin as a stand-alone CLI (tests and development); users get it through `logtap`.
import { execute } from '@oclif/core/execute';

await execute({ dir: import.meta.url });
