// The V8 flags the image runs the forwarder with, read from docker/forwarder.Dockerfile (its NODE_OPTIONS
// and the flags of its ENTRYPOINT), so that the benchmark measures what ships.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function imageNodeFlags() {
  const file = join(import.meta.dirname, '..', 'docker', 'forwarder.Dockerfile');
  const text = readFileSync(file, 'utf8');
  const options = /NODE_OPTIONS="([^"]*)"/.exec(text);
  const entry = /^ENTRYPOINT \[(.*)\]$/m.exec(text);
  if (!options || !entry) throw new Error(`${file}: no NODE_OPTIONS="..." or ENTRYPOINT [...] found`);
  const argv = JSON.parse(`[${entry[1]}]`);
  return [...options[1].split(' '), ...argv.filter((a) => a.startsWith('--'))].filter(Boolean);
}
