# syntax=docker/dockerfile:1
# The local stack's Kinesis-API server: kinesalite, in memory, on port 4567,
# trimmed to the newest records of each shard (bounded-kinesalite.cjs) so the
# stack runs for days in bounded memory. An image of its own, so the
# exporter's image carries no emulator. Scripts off: kinesalite's LevelDB
# store is a native build that the in-memory store does not need.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE}
WORKDIR /opt/kinesalite
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund kinesalite@3.3.3 \
 && npm cache clean --force
COPY bounded-kinesalite.cjs ./
USER node
EXPOSE 4567
ENTRYPOINT ["node", "bounded-kinesalite.cjs"]
CMD ["--port", "4567", "--createStreamMs", "0", "--deleteStreamMs", "0", "--updateStreamMs", "0"]
