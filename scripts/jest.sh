#!/usr/bin/env bash
# Runs jest for the package in the current directory with native ESM enabled.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning"
exec node "$here/node_modules/jest/bin/jest.js" "$@"
