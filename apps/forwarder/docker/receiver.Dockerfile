# syntax=docker/dockerfile:1.7
# The logtap receiver image: the `logtap` CLI, started as `logtap recv --headless` by
# `logtap recv --in-cluster` (see docs/forwarder.md). Build from the repository root:
#   docker build -f apps/forwarder/docker/receiver.Dockerfile -t ghcr.io/logtap/logtap:0.1.0 .
# Runs as uid/gid 65532; writes only to the capture directory (an emptyDir at /data) and HOME=/data.
# `tar` stays in the image: the capture is copied back with `tar` over the exec API.

ARG NODE_IMAGE=node:20.20.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV CI=true JOBS=max
# zstd-napi compiles from source (no prebuilt binary is fetched).
RUN apt-get update && apt-get install --yes --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* \
 && npm install --global --no-fund --no-audit pnpm@10.34.9
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile --filter-prod "logtap..." \
 && pnpm --filter-prod "logtap..." run build \
 && pnpm --filter logtap deploy --prod --legacy --ignore-scripts /out \
 && for d in node_modules/.pnpm/zstd-napi@*/node_modules/zstd-napi; do \
      v="$(basename "$(dirname "$(dirname "$d")")")"; \
      [ -d "/out/node_modules/.pnpm/$v" ] || continue; \
      mkdir -p "/out/node_modules/.pnpm/$v/node_modules/zstd-napi/build/Release"; \
      cp "$d/build/Release/binding.node" "/out/node_modules/.pnpm/$v/node_modules/zstd-napi/build/Release/"; \
    done

FROM ${NODE_IMAGE}
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /opt/yarn* /usr/local/bin/yarn*
ENV NODE_ENV=production HOME=/data
WORKDIR /app
COPY --from=build /out /app
USER 65532:65532
EXPOSE 3100
VOLUME ["/data"]
ENTRYPOINT ["node", "/app/bin/run.js"]
CMD ["recv", "--headless", "--listen", "0.0.0.0:3100", "--dir", "/data/capture"]
