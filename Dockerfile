# syntax=docker/dockerfile:1
# CTS container image: build once, run the same production start path as `npm start` and the tests
# (`node dist/src/main.js`). See docs/deployment.md ("Container").

# --- build: every dependency, then the server (tsc) and the web UI (vite) ---------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY simulator ./simulator
COPY web ./web
RUN npm run build

# --- prod-deps: production dependencies only, compiled here so the runtime image has no compiler ----
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime ----------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    CTS_DATA_DIR=/data \
    CTS_HOST=0.0.0.0 \
    CTS_PORT=3000
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY package.json package-lock.json ./
# The bundled demo/backtest candles (read-only, found beside package.json); the writable data dir is /data.
COPY data/README.md data/XRP_USDT_USDT-1h-futures.csv ./data/
# The data dir holds the SQLite database and master.key: owned by the unprivileged user, private.
RUN install -d -o node -g node -m 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# CTS_HOST=0.0.0.0 (needed to be reachable from outside the container) makes CTS refuse to start
# without CTS_ADMIN_TOKEN: pass it at run time (docker run -e / compose env), never bake it in.
# /readyz: storage reachable, migrations current, key verified, Redis reachable when configured.
# Slim images have no curl: the check uses node's fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CTS_PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) stops the engines and closes the database; CTS exits within 10 s.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
