/**
 * What a client without credentials learns: health verdicts with a generic
 * cause (never AWS's message, ARNs, account ids or resource names), short
 * errors without stacks or paths, and the headers every answer carries.
 * AWS's AccessDenied comes from a loopback server answering as Kinesis and
 * S3 do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import bcrypt from 'bcryptjs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicReason } from '../../src/http/public-reason.js';
import { type RunningServer, startServer } from '../../src/http/server.js';
import type { WebConfig } from '../../src/http/web-config.js';
import { MetricRegistry } from '../../src/metrics/metric-registry.js';
import { createKinesisClient } from '../../src/sources/kinesis/kinesis-client.js';
import { createKinesisMetrics } from '../../src/sources/kinesis/kinesis-metrics.js';
import { KinesisSource } from '../../src/sources/kinesis/kinesis-source.js';
import { createS3Client } from '../../src/state/s3-client.js';
import { S3StateStore } from '../../src/state/s3-state-store.js';
import { fixtureLine, freshCore, silentLogger } from '../helpers/exposition.js';
import { TEST_CREDENTIALS, waitFor } from '../helpers/kinesis-server.js';
import { capturingLogger } from '../helpers/log-lines.js';

const ACCOUNT = '123456789012';
const STREAM = 'prod-ecs-events';
const BUCKET = 'acme-prod-exporter-state';
const ROLE = `arn:aws:sts::${ACCOUNT}:assumed-role/prod-ecs-exporter-TaskRole-1ABC/i-0abc`;
const SECRETS = [ACCOUNT, 'arn:', STREAM, BUCKET, 'TaskRole', 'i-0abc', '127.0.0.1'];

/** Answers every call as AWS does when the role lacks the permission: Kinesis in JSON, S3 in XML. */
function fakeAws(): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    req.resume();
    if (req.headers['x-amz-target'] !== undefined) {
      const action = String(req.headers['x-amz-target']).split('.')[1];
      res.writeHead(400, {
        'Content-Type': 'application/x-amz-json-1.1',
        'x-amzn-ErrorType': 'AccessDeniedException',
      });
      res.end(
        JSON.stringify({
          __type: 'AccessDeniedException',
          message: `User: ${ROLE} is not authorized to perform: kinesis:${action} on resource: arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${STREAM} because no identity-based policy allows the kinesis:${action} action`,
        }),
      );
      return;
    }
    res.writeHead(403, { 'Content-Type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>User: ${ROLE} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${BUCKET}/ecs-events-exporter/state-1.json" because no identity-based policy allows the s3:PutObject action</Message><RequestId>R1</RequestId></Error>`,
    );
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, endpoint: `http://127.0.0.1:${port}` });
    });
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('health texts with a web config, against AWS answering AccessDenied', () => {
  let aws: { server: Server; endpoint: string };
  let source: KinesisSource;
  let s3Reason: string;
  let withConfig: RunningServer;
  let without: RunningServer;

  beforeAll(async () => {
    aws = await fakeAws();
    source = new KinesisSource({
      client: createKinesisClient({
        region: 'us-east-1',
        endpoint: aws.endpoint,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      }),
      stream: STREAM,
      startPosition: { type: 'TRIM_HORIZON' },
      logger: silentLogger,
      metrics: createKinesisMetrics(new MetricRegistry()),
      maxBackoffMs: 200,
    });
    const core = freshCore();
    await source.start(core.sink, undefined);
    await waitFor(
      () => /access denied/.test(source.readiness().reason),
      10_000,
      'the source to meet AccessDenied',
    );
    // The S3 store's own words for the same refusal, as a failed save puts them in readiness.
    const store = new S3StateStore({
      client: createS3Client({
        region: 'us-east-1',
        endpoint: aws.endpoint,
        credentials: TEST_CREDENTIALS,
      }),
      location: {
        bucket: BUCKET,
        prefix: 'ecs-events-exporter/',
        url: `s3://${BUCKET}/ecs-events-exporter/`,
      },
    });
    s3Reason = await store.save(new Uint8Array([1])).then(
      () => 'saved',
      (err: Error) => err.message,
    );
    const handlers = {
      render: core.render.bind(core),
      health: () => source.health(),
      readiness: () => {
        const r = source.readiness();
        return {
          ok: false,
          reason: `${r.reason}; saving the state to S3 s3://${BUCKET}/ failed 1 time(s) in a row: ${s3Reason}; /metrics shows the values of the last save`,
        };
      },
    };
    const web: WebConfig = {
      tls: undefined,
      users: new Map([['prometheus', bcrypt.hashSync('pw', 4)]]),
      headers: {},
      rateLimit: undefined,
    };
    withConfig = await startServer(handlers, { host: '127.0.0.1', port: 0 }, silentLogger, web);
    without = await startServer(handlers, { host: '127.0.0.1', port: 0 }, silentLogger);
  }, 30_000);

  afterAll(async () => {
    await source.stop();
    await withConfig.close();
    await without.close();
    await new Promise((r) => aws.server.close(r));
  });

  it('the reasons in full carry what a stranger must not see (so the test can fail)', () => {
    expect(s3Reason).toContain(ACCOUNT);
    expect(source.readiness().reason).toContain(ACCOUNT);
  });

  it('tell a stranger the verdict and a generic cause only', async () => {
    const ready = await fetch(`${withConfig.url}/readyz`);
    expect(ready.status).toBe(503);
    const text = await ready.text();
    expect(text).toBe(
      'not ok: the Kinesis stream cannot be read: access denied; the state cannot be saved: access denied\n',
    );
    const health = await (await fetch(`${withConfig.url}/healthz`)).text();
    for (const secret of SECRETS) {
      expect(text).not.toContain(secret);
      expect(health).not.toContain(secret);
    }
  });

  it('give the full reasons on /status, behind the credentials', async () => {
    expect((await fetch(`${withConfig.url}/status`)).status).toBe(401);
    const status = await fetch(`${withConfig.url}/status`, {
      headers: { Authorization: basic('prometheus', 'pw') },
    });
    expect(status.status).toBe(200);
    const body = (await status.json()) as { readiness: { ok: boolean; reason: string } };
    expect(body.readiness.ok).toBe(false);
    expect(body.readiness.reason).toContain(ACCOUNT);
  });

  it('are unchanged without a web config', async () => {
    const text = await (await fetch(`${without.url}/readyz`)).text();
    expect(text).toContain(ACCOUNT);
    expect(text).toContain(STREAM);
  });
});

describe('publicReason', () => {
  const VOCABULARY =
    /^(every check passes|see the logs or the authenticated \/status|((the state cannot be saved|the lease cannot be read|standby: another replica holds the lease|the Kinesis source is not running|reading the Kinesis stream has stalled|the Kinesis stream is not read to its end yet|the Kinesis stream cannot be read|the input cannot be read|the input is not read to its end yet)(: (access denied|no AWS credentials|AWS rejected the credentials|the AWS endpoint cannot be reached|throttled by AWS|not found|taking too long|the file system refuses it))?(; |$))+)$/;

  it('answers in its fixed phrases only, whatever the reason holds', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom(
              'saving the state to file /var/lib/x failed',
              `access denied (AccessDeniedException) to list the shards of stream ${STREAM}: User: ${ROLE}`,
              'standby: the lease is held by ip-10-0-0-1.ec2.internal',
              'no shard reader made progress for 130 s',
            ),
          ),
        ),
        fc.boolean(),
        (pieces, ok) => {
          const shown = publicReason(ok, pieces.join('; '));
          expect(shown).toMatch(VOCABULARY);
        },
      ),
    );
  });

  it('names the subject and the cause of each failing check', () => {
    expect(publicReason(true, `all 4 open shards of stream ${STREAM} read`)).toBe(
      'every check passes',
    );
    expect(
      publicReason(
        false,
        'standby: the lease is held by ip-10-0-0-1.ec2.internal (counter 4, unchanged for 3 s)',
      ),
    ).toBe('standby: another replica holds the lease');
    expect(
      publicReason(
        false,
        `cannot reach the Kinesis endpoint kinesis.us-east-1.amazonaws.com (ECONNREFUSED) to list the shards of stream ${STREAM}: check the region; retrying`,
      ),
    ).toBe('the Kinesis stream cannot be read: the AWS endpoint cannot be reached');
    expect(
      publicReason(
        false,
        'saving the state to file /data/state.json failed 2 time(s) in a row: cannot save the state to /data/state.json: permission denied for user id 1000 (EACCES); /metrics shows the values of the last save',
      ),
    ).toBe('the state cannot be saved: the file system refuses it');
  });
});

describe('errors and headers', () => {
  let server: RunningServer;
  const { logger, lines } = capturingLogger();

  beforeAll(async () => {
    const core = freshCore();
    core.pipeline.handle(fixtureLine('task-stopped-oom.json'));
    server = await startServer(
      {
        render: core.render.bind(core),
        health: () => ({ ok: true, reason: 'reading' }),
        readiness: () => ({ ok: true, reason: 'ready' }),
        recentFailures: () => {
          throw new Error(`restored nonsense at ${import.meta.url}`);
        },
      },
      { host: '127.0.0.1', port: 0 },
      logger,
      {
        tls: undefined,
        users: new Map(),
        headers: { 'Content-Security-Policy': "img-src 'self'", 'X-Frame-Options': 'DENY' },
        rateLimit: undefined,
      },
    );
  });
  afterAll(async () => {
    await server.close();
  });

  for (const env of ['production', 'development']) {
    it(`answer a handler's error with a short 500 and log it as JSON (NODE_ENV=${env})`, async () => {
      const before = process.env.NODE_ENV;
      process.env.NODE_ENV = env;
      try {
        for (const path of ['/', '/api/recent-failures']) {
          const reply = await fetch(`${server.url}${path}`);
          expect(reply.status).toBe(500);
          expect(await reply.text()).toBe('Internal Server Error\n');
          expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
        }
      } finally {
        process.env.NODE_ENV = before;
      }
      const failed = lines.filter((l) => l.msg === 'request failed');
      expect(failed.length).toBeGreaterThan(0);
      expect(JSON.stringify(failed[0])).toContain('restored nonsense');
    });
  }

  it('answer a malformed path short, without echoing it', async () => {
    const reply = await fetch(`${server.url}/%E0%A4%A`);
    expect(reply.status).toBeLessThan(500);
    expect(await reply.text()).not.toContain('%E0');
    const missing = await fetch(`${server.url}/<script>`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('Not Found\n');
  });

  it('say nosniff on every answer, keep the operator’s headers, and add the page’s policy beside them', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz', '/nope']) {
      const reply = await fetch(`${server.url}${path}`);
      expect(reply.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(reply.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });
});

describe('the landing page', () => {
  it("forbids frames and forms, and keeps an operator's policy beside its own", async () => {
    const core = freshCore();
    const server = await startServer(
      {
        render: core.render.bind(core),
        health: () => ({ ok: true, reason: 'reading' }),
        readiness: () => ({ ok: true, reason: 'ready' }),
        recentFailures: () => core.failurePage(),
      },
      { host: '127.0.0.1', port: 0 },
      silentLogger,
      {
        tls: undefined,
        users: new Map(),
        headers: { 'Content-Security-Policy': "img-src 'self'" },
        rateLimit: undefined,
      },
    );
    try {
      for (const path of ['/', '/api/recent-failures']) {
        const reply = await fetch(`${server.url}${path}`);
        expect(reply.status).toBe(200);
        const csp = reply.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("img-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("form-action 'none'");
        expect(csp).toContain("default-src 'none'");
      }
    } finally {
      await server.close();
    }
  });
});
