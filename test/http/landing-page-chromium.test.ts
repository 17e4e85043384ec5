/**
 * The landing page in a real browser (Debian's headless Chromium): the
 * failed tasks render as table rows, hostile text from events stays text,
 * a screenshot shows the tables (colours counted, not compared to a golden
 * image), and the first screen of a 1280×800 window holds at least 15
 * failed tasks with their account and region, and the deployments.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counting } from '../../src/counting.js';
import type { RunningServer } from '../../src/http/server.js';
import { fixtureEvent, fixtureLine, freshCore } from '../helpers/exposition.js';
import { startPageServer } from '../helpers/page-server.js';
import { countColour, readPng } from '../helpers/png.js';

const run = promisify(execFile);

const HOSTILE_REASON =
  'Essential container in task exited <script>document.title="pwned"</script>' +
  "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";
const HOSTILE_CLUSTER = "c\"><img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">";

/** An OOM stop whose texts are markup: reason, cluster, container name and reason. */
function hostileStop(): string {
  const event = fixtureEvent('task-stopped-oom.json');
  const detail = event.detail as Record<string, unknown>;
  event.id = 'hostile';
  event.account = '<i id="account">1</i>';
  detail.taskArn =
    'arn:aws:ecs:ap-northeast-1:832665068462:task/x/feedfacefeedfacefeedfacefeedface';
  detail.clusterArn = `arn:aws:ecs:ap-northeast-1:832665068462:cluster/${HOSTILE_CLUSTER}`;
  detail.stoppedReason = HOSTILE_REASON;
  detail.containers = [
    {
      name: '<b id="injected">sidecar</b>',
      exitCode: 137,
      reason: 'OutOfMemoryError: <svg onload=alert(1)>',
    },
  ];
  return JSON.stringify(event);
}

function hostileDeployment(): string {
  const event = fixtureEvent('deployment-failed-rolling-back.json');
  (event.detail as Record<string, unknown>).reason =
    'rolling back <iframe src="javascript:alert(1)"></iframe>';
  return JSON.stringify(event);
}

/** Runs headless Chromium on the server's page in a window of `size`; returns its stdout. */
async function chromiumOn(
  server: RunningServer,
  profile: string,
  size: string,
  ...args: string[]
): Promise<string> {
  const { stdout } = await run(
    'chromium',
    [
      '--headless',
      // The tests may run as root, where Chromium's sandbox cannot start; the page is our own.
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      `--window-size=${size}`,
      ...args,
      `${server.url}/`,
    ],
    { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

const FAILED = [
  'task-stopped-oom.json',
  'task-stopped-image-pull-failed.json',
  'task-stopped-health-check-managed-instances.json',
  'task-failed-to-start.json',
];

describe('the landing page in headless Chromium', () => {
  let server: RunningServer;
  let profile: string;
  const empty = freshCore();
  const full = freshCore();
  let shown: Counting = full;

  beforeAll(async () => {
    const chromium = await run('chromium', ['--version']).catch(() => undefined);
    if (chromium === undefined) {
      throw new Error(
        'chromium is not on PATH: run scripts/test-prerequisites.sh (as root) or apt-get install chromium',
      );
    }
    for (const record of [...FAILED.map(fixtureLine), hostileStop(), hostileDeployment()]) {
      full.pipeline.handle(record);
    }
    full.pipeline.handle(fixtureLine('task-stopped-user-initiated.json'));
    profile = await mkdtemp(join(tmpdir(), 'landing-chromium-'));
    server = await startPageServer(() => shown);
  });

  afterAll(async () => {
    await server?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  const chromium = (...args: string[]) => chromiumOn(server, profile, '1400,1000', ...args);

  it('renders a row per failed task and deployment, with hostile text shown as text', async () => {
    shown = full;
    const dom = await chromium('--dump-dom');
    expect(dom).toContain('<title>ECS events exporter</title>');
    expect(dom.match(/<tr class="task">/g)).toHaveLength(5);
    expect(dom.match(/<tr class="deployment">/g)).toHaveLength(1);
    // No element made from event text: no image, script, svg, frame or bold, and nothing ran.
    expect(dom).not.toMatch(/<(img|script|svg|iframe|b|i)[\s>]/i);
    expect(dom).toContain('>&lt;i id="account"&gt;1&lt;/i&gt;</td>');
    expect(dom).toContain('<body><h1>');
    expect(dom).toContain('&lt;script&gt;document.title="pwned"&lt;/script&gt;');
    expect(dom).toContain('&lt;b id="injected"&gt;sidecar&lt;/b&gt;: 137');
    expect(dom).toContain(
      'href="https://ap-northeast-1.console.aws.amazon.com/ecs/v2/clusters/apline-hello-cluster/tasks/0a7d1c4e2b3f4a5b8c9d0e1f2a3b4c5d"',
    );
    // The hostile cluster name is a path segment of its link, never markup.
    expect(dom).toContain(`/clusters/${encodeURIComponent(HOSTILE_CLUSTER)}/tasks/feedface`);
  });

  it('shows the tables in a screenshot, and none when nothing failed', async () => {
    const colours = async (counting: Counting, name: string) => {
      shown = counting;
      const file = join(profile, name);
      await chromium(`--screenshot=${file}`);
      const image = readPng(await readFile(file));
      expect([image.width, image.height]).toEqual([1400, 1000]);
      let ink = 0;
      for (let y = 0; y < image.height; y += 4) {
        for (let x = 0; x < image.width; x += 4) if (image.pixel(x, y)[0] < 128) ink++;
      }
      return {
        ink,
        headers: countColour(image, [0xe8, 0xee, 0xf7]),
        classes: countColour(image, [0xfd, 0xe2, 0xe2]),
      };
    };
    const withRows = await colours(full, 'full.png');
    const without = await colours(empty, 'empty.png');
    // Text is drawn either way (the heading and links); the tables only with failures.
    expect(without.ink).toBeGreaterThan(50);
    expect(without.headers).toBe(0);
    expect(without.classes).toBe(0);
    expect(withRows.ink).toBeGreaterThan(without.ink + 300);
    expect(withRows.headers).toBeGreaterThan(1000);
    // Six class cells (five tasks, one deployment), each well over 500 pixels of its colour.
    expect(withRows.classes).toBeGreaterThan(6 * 500);
  });
});

/** The task of `fixture` again, as task `n` of the account and region given. */
function failedTask(fixture: string, n: number, account: string, region: string): string {
  const event = fixtureEvent(fixture);
  const detail = event.detail as Record<string, unknown>;
  const id = `${n.toString(16).padStart(8, '0')}${'ab'.repeat(12)}`;
  event.id = `first-screen-${n}`;
  event.account = account;
  event.region = region;
  detail.taskArn = `arn:aws:ecs:${region}:${account}:task/prod/${id}`;
  detail.clusterArn = `arn:aws:ecs:${region}:${account}:cluster/prod`;
  detail.stoppedReason = `${String(detail.stoppedReason)} ${'and a long explanation that goes on '.repeat(4)}`;
  return JSON.stringify(event);
}

function failedDeployment(n: number): string {
  const event = fixtureEvent('deployment-failed-rolling-back.json');
  event.id = `first-screen-deployment-${n}`;
  (event.detail as Record<string, unknown>).deploymentId = `ecs-svc/${1000 + n}`;
  return JSON.stringify(event);
}

/**
 * Runs of `colour` down the column at x at least 12 px long: one per table
 * row whose cell is tinted there (a row is about 20 px; glyphs cut shorter pieces).
 */
function runsDown(image: ReturnType<typeof readPng>, x: number, colour: readonly number[]): number {
  let runs = 0;
  let length = 0;
  for (let y = 0; y <= image.height; y++) {
    const [r, g, b] = y < image.height ? image.pixel(x, y) : [-1, -1, -1];
    if (r === colour[0] && g === colour[1] && b === colour[2]) {
      length++;
      continue;
    }
    if (length >= 12) runs++;
    length = 0;
  }
  return runs;
}

describe('the first screen of the landing page at 1280×800', () => {
  let server: RunningServer;
  let profile: string;
  const core = freshCore();

  beforeAll(async () => {
    const fixtures = [
      'task-stopped-oom.json',
      'task-stopped-image-pull-failed.json',
      'task-failed-to-start.json',
    ];
    for (let n = 0; n < 40; n++) {
      const [account, region] =
        n % 2 === 0 ? ['111122223333', 'eu-west-1'] : ['444455556666', 'ap-northeast-1'];
      core.pipeline.handle(
        failedTask(fixtures[n % 3] as string, n, account as string, region as string),
      );
    }
    for (let n = 0; n < 3; n++) core.pipeline.handle(failedDeployment(n));
    profile = await mkdtemp(join(tmpdir(), 'landing-first-screen-'));
    server = await startPageServer(() => core);
  });

  afterAll(async () => {
    await server?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  const chromium = (...args: string[]) => chromiumOn(server, profile, '1280,800', ...args);

  it('describes every kind, and lists account and region in the page and the JSON', async () => {
    const dom = await chromium('--dump-dom');
    expect(dom).toMatch(
      /task state changes, deployment state changes, service actions and container instance state changes/,
    );
    expect(dom.match(/<tr class="task">/g)).toHaveLength(40);
    expect(dom.match(/<tr class="deployment">/g)).toHaveLength(3);
    expect(dom).toContain('<th>Account</th><th>Region</th>');
    expect(dom).toContain('title="444455556666">444455556666</td>');
    expect(dom).toContain('title="ap-northeast-1">ap-northeast-1</td>');
    // The counts at the top: 40 tasks over 2 accounts and 3 classes, and the deployments.
    expect(dom.match(/<tr class="tally">/g)?.length).toBeGreaterThanOrEqual(6);
    // A long reason is one line, its whole text in a <details> to expand (no script).
    expect(dom).toMatch(/<td class="reason"><details><summary title="[^"]*long explanation/);
    const body = (await (await fetch(`${server.url}/api/recent-failures`)).json()) as {
      tasks: { account: string; region: string }[];
      deployments: { account: string; region: string }[];
    };
    expect(new Set(body.tasks.map((t) => `${t.account} ${t.region}`))).toEqual(
      new Set(['111122223333 eu-west-1', '444455556666 ap-northeast-1']),
    );
    expect(body.deployments[0]).toMatchObject({ account: '111122223333', region: 'us-west-2' });
  });

  it('shows at least 15 failed tasks with account and region, and the deployments, without scrolling', async () => {
    const file = join(profile, 'first-screen.png');
    await chromium(`--screenshot=${file}`);
    const image = readPng(await readFile(file));
    expect([image.width, image.height]).toEqual([1280, 800]);
    // Account and region cells are tinted: columns where 15 or more rows show that tint.
    const where = [0xea, 0xf3, 0xe6];
    const columns: number[] = [];
    for (let x = 0; x < image.width; x += 2) if (runsDown(image, x, where) >= 15) columns.push(x);
    // Two separate columns (account, region), each with at least 15 rows on the first screen.
    const groups = columns.filter((x, i) => i === 0 || x - (columns[i - 1] as number) > 2);
    expect(groups.length).toBeGreaterThanOrEqual(2);
    let rows = 0;
    for (let x = 0; x < image.width; x += 2) rows = Math.max(rows, runsDown(image, x, where));
    expect(rows).toBeGreaterThanOrEqual(15);
    // The deployments' outcome cells (their own tint) are on the first screen too.
    const outcome = [0xfd, 0xeb, 0xc8];
    let deploymentRows = 0;
    for (let x = image.width / 2; x < image.width; x += 2) {
      deploymentRows = Math.max(deploymentRows, runsDown(image, x, outcome));
    }
    expect(deploymentRows).toBeGreaterThanOrEqual(3);
    process.stdout.write(`landing page at 1280x800: ${rows} task rows on the first screen\n`);
  });
});
