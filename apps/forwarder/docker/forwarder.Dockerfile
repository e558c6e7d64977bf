# syntax=docker/dockerfile:1.7
# logtap-forwarder: the sidecar `logtap tap` injects into tapped pods (see docs/forwarder.md).
# Build from the repository root (the context is the whole monorepo):
#   docker build -f apps/forwarder/docker/forwarder.Dockerfile -t ghcr.io/logtap/logtap-forwarder:0.1.0 .
# Runs as uid/gid 65532 with a read-only root file system: it writes nothing to disk.

# An exact tag; pin the digest too when you publish:
#   docker buildx imagetools inspect node:20.20.0-bookworm-slim  → --build-arg NODE_IMAGE=node:20.20.0-bookworm-slim@sha256:…
ARG NODE_IMAGE=node:20.20.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV CI=true JOBS=max
# @logtap/protocol loads zstd-napi, which compiles from source (snappy ships a prebuilt binary).
RUN apt-get update && apt-get install --yes --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* \
 && npm install --global --no-fund --no-audit pnpm@10.34.9
WORKDIR /src
COPY . .
# Only the forwarder and what it needs at run time. `deploy` copies the production dependencies into
# /out without running install scripts; the native module compiled by the install is copied in after.
RUN pnpm install --frozen-lockfile --filter-prod "@logtap/forwarder..." \
 && pnpm --filter-prod "@logtap/forwarder..." run build \
 && pnpm --filter @logtap/forwarder deploy --prod --legacy --ignore-scripts /out \
 && for d in node_modules/.pnpm/zstd-napi@*/node_modules/zstd-napi; do \
      v="$(basename "$(dirname "$(dirname "$d")")")"; \
      [ -d "/out/node_modules/.pnpm/$v" ] || continue; \
      mkdir -p "/out/node_modules/.pnpm/$v/node_modules/zstd-napi/build/Release"; \
      cp "$d/build/Release/binding.node" "/out/node_modules/.pnpm/$v/node_modules/zstd-napi/build/Release/"; \
    done

FROM ${NODE_IMAGE}
# npm and yarn are not needed at run time: less to scan, less to patch.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /opt/yarn* /usr/local/bin/yarn*
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=96"
WORKDIR /app
COPY --from=build /out /app
USER 65532:65532
# /healthz and /metrics; tap sets LOGTAP_HEALTH_PORT (9091 or the next free port of the pod).
EXPOSE 9091
ENTRYPOINT ["node", "/app/bin/logtap-forwarder.js"]
