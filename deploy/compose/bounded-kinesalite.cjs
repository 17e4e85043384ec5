#!/usr/bin/env node
// kinesalite's own command line, plus the trimming the demo's embedded server
// does (src/simulator/local-kinesis.ts): kinesalite keeps every record, so the
// local stack would grow without end. Every 5 s each shard keeps its newest
// MAX_RECORDS_PER_SHARD records, none older than MAX_AGE_MS.
'use strict';

const MAX_RECORDS_PER_SHARD = Number(process.env.MAX_RECORDS_PER_SHARD ?? 10000);
const MAX_AGE_MS = Number(process.env.MAX_AGE_MS ?? 5 * 60000);
const TRIM_INTERVAL_MS = Number(process.env.TRIM_INTERVAL_MS ?? 5000);

const argv = require('minimist')(process.argv.slice(2));
const db = require('kinesalite/db/index.js');
const kinesalite = require('kinesalite');

if (process.pid === 1) process.on('SIGINT', process.exit);

// kinesalite does not expose its store: keep the one its server creates.
const create = db.create;
let store;
db.create = (options) => {
  store = create(options);
  return store;
};
const server = kinesalite(argv);
db.create = create;

async function keysOf(level) {
  const keys = [];
  for await (const key of level.createKeyStream()) keys.push(String(key));
  return keys;
}

async function trim() {
  const cutoff = Date.now() - MAX_AGE_MS;
  for (const name of await keysOf(store.metaDb)) {
    const streamDb = store.getStreamDb(name);
    const byShard = new Map();
    for (const key of await keysOf(streamDb)) {
      const shard = key.slice(0, key.indexOf('/'));
      if (!byShard.has(shard)) byShard.set(shard, []);
      byShard.get(shard).push(key);
    }
    const drop = [];
    for (const keys of byShard.values()) {
      const excess = keys.length - MAX_RECORDS_PER_SHARD;
      keys.forEach((key, i) => {
        const seq = key.slice(key.indexOf('/') + 1);
        if (i < excess || db.parseSequence(seq).seqTime < cutoff) drop.push(key);
      });
    }
    if (drop.length > 0) {
      await new Promise((resolve, reject) =>
        streamDb.batch(
          drop.map((key) => ({ type: 'del', key })),
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    }
  }
}

let trimming = false;
setInterval(() => {
  if (trimming) return;
  trimming = true;
  trim()
    .catch((err) => console.error('trimming failed: %s', err.message))
    .finally(() => {
      trimming = false;
    });
}, TRIM_INTERVAL_MS).unref();

server.listen(argv.port ?? 4567, () => {
  const address = server.address();
  console.log('Listening at http://%s:%s', address.address, address.port);
});
