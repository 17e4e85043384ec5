# syntax=docker/dockerfile:1
# ecs-events-exporter: build with the dev dependencies, run with production
# dependencies only, as a non-root user, on a read-only root filesystem (the
# only writable place is the state volume).

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    ECS_EXPORTER_STATE_DIR=/var/lib/ecs-events-exporter
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force \
 && mkdir -p /var/lib/ecs-events-exporter \
 && chown node:node /var/lib/ecs-events-exporter
COPY --from=build /app/dist ./dist
USER node
VOLUME ["/var/lib/ecs-events-exporter"]
EXPOSE 9847
# No curl in slim images: Node asks /healthz, over HTTPS (certificate not
# checked: it is the container's own port) when a --web.config.file turned TLS on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9847/healthz').then((r) => r.status, () => new Promise((ok, no) => require('node:https').get('https://127.0.0.1:9847/healthz', { rejectUnauthorized: false }, (r) => ok(r.statusCode)).on('error', no))).then((s) => process.exit(s === 200 ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself, for a graceful shutdown
# (positions saved).
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
