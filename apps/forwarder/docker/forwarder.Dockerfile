# syntax=docker/dockerfile:1.7
# logtap-forwarder: the sidecar `logtap tap` injects into tapped pods (see docs/forwarder.md).
# Build from the repository root (the context is the whole monorepo):
#   docker build -f apps/forwarder/docker/forwarder.Dockerfile -t ghcr.io/logtap/logtap-forwarder:0.1.0 .
# Runs as uid/gid 65532 with a read-only root file system: it writes nothing to disk.
# It ships one bundled file (dist/bundle/logtap-forwarder.mjs, made by `pnpm build` with esbuild) and the
# snappy addon, not a node_modules tree: the sidecar runs in every tapped pod, and the bundle's RSS is
# ~50 MiB below the same code loaded from node_modules (docs/forwarder.md, "Resources").

# An exact tag; pin the digest too when you publish:
#   docker buildx imagetools inspect node:20.20.0-bookworm-slim  → --build-arg NODE_IMAGE=node:20.20.0-bookworm-slim@sha256:…
ARG NODE_IMAGE=node:20.20.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV CI=true
RUN npm install --global --no-fund --no-audit pnpm@10.34.9
WORKDIR /src
COPY . .
# The forwarder and the workspace packages it imports, with their dependencies (esbuild, a devDependency,
# included). No install scripts: nothing needs compiling (zstd-napi, which @logtap/protocol loads only to
# decode zstd bodies, is never loaded by the forwarder; snappy and esbuild are prebuilt per platform).
# /out gets the bundle and snappy with its platform's binary (@napi-rs/snappy-<platform>).
RUN pnpm install --frozen-lockfile --ignore-scripts --filter-prod "@logtap/forwarder..." \
 && pnpm --filter-prod "@logtap/forwarder..." run build \
 && mkdir -p /out/node_modules \
 && cp apps/forwarder/dist/bundle/logtap-forwarder.mjs /out/ \
 && cp -RL node_modules/.pnpm/snappy@*/node_modules/. /out/node_modules/ \
 && node -e "import('/out/logtap-forwarder.mjs')" 2>&1 | grep -q 'LOGTAP_TARGET is required'

FROM ${NODE_IMAGE}
# npm and yarn are not needed at run time: less to scan, less to patch.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /opt/yarn* /usr/local/bin/yarn*
# V8 heap sized for a process whose live set is ~16-20 MB (measured: docs/forwarder.md, "Resources"): young
# generation 8 MB semi-spaces (smaller ones cost CPU: objects get promoted and the old generation collected
# more often), old generation capped at 64 MB. In NODE_OPTIONS, so that a pod can override them.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=64"
WORKDIR /app
COPY --from=build /out /app
USER 65532:65532
# /healthz and /metrics; tap sets LOGTAP_HEALTH_PORT (9091 or the next free port of the pod).
EXPOSE 9091
# V8 flags NODE_OPTIONS does not accept:
# --heap-growing-percent=100: with a capped heap V8 lets the old generation grow only 1.3x past its live
#   set before a full collection (48 of them per million lines, +40% CPU); 2x keeps the CPU of an uncapped
#   heap at a peak ~40 MiB lower.
# --liftoff-only: undici's HTTP parser is WebAssembly, and V8 optimising it with TurboFan costs a ~30 MiB
#   RSS spike for no measurable gain on the few small responses it parses.
ENTRYPOINT ["node", "--heap-growing-percent=100", "--liftoff-only", "/app/logtap-forwarder.mjs"]
