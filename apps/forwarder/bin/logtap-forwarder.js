#!/usr/bin/env node
// The sidecar `logtap tap` injects: streams this pod's container logs to a logtap receiver.
import '../dist/main.js';
