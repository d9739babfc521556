# Värna: production image. Build: docker build -t varna . (or in Azure: az acr build -r <acr> -t varna:1.0 .)
# Two stages: the first compiles TypeScript with the dev dependencies; the second holds only the
# production dependencies, the compiled code and the configuration schema, and runs as a non-root user.
# Node 22 LTS (Node 20 reached its end of life in April 2026). Not yet 24: restify 11 loads spdy, whose
# http-deceiver calls process.binding('http_parser'), which Node 24 removed (Värna would not start).

# --- build ---------------------------------------------------------------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 ships prebuilt binaries for this platform (downloaded from github.com); the tools are
# the fallback if one is missing or cannot be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
# nodedir: node-gyp then compiles against the headers next to node (the base image has them in
# /usr/local/include/node) instead of downloading them from nodejs.org, so the fallback also works
# where only the npm registry and the Debian mirrors are reachable. Derived from node's path, not
# written out, so that `npm run deploy:check` (which runs these steps with the host's node, e.g. in /usr)
# follows it as well.
RUN npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")" npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime -------------------------------------------------------------------------------------
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=3978 \
    VARNA_STORE_URL=sqlite:/app/data/varna.db
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root config ./config
# The code is owned by root and read-only for the app user; only data/ (the embedded SQLite store,
# unused with PostgreSQL) is writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3978
# /healthz answers when the process is up (the platform's probes use /readyz for the store too).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The same flags as `npm start` (no heap flags: docs/benchmarks.md says why).
CMD ["node", "--disable-warning=DEP0111", "dist/src/index.js"]
