/**
 * The landing page and /api/recent-failures on a page server on 127.0.0.1:
 * console links per region, escaping, the page without failures, the JSON,
 * and a content security policy that runs no script.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, landingPage } from '../../src/http/landing-page.js';
import type { RunningServer } from '../../src/http/server.js';
import { deploymentsConsoleUrl } from '../../src/kinds/console-link.js';
import { taskConsoleUrl } from '../../src/kinds/task-state-change/failures.js';
import { fixtureEvent, fixtureLine, freshCore } from '../helpers/exposition.js';
import { startPageServer } from '../helpers/page-server.js';

describe('console links', () => {
  it('point at the task in the ECS console of its region', () => {
    expect(taskConsoleUrl('eu-west-1', 'prod', 'abc123')).toBe(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/abc123',
    );
    expect(deploymentsConsoleUrl('us-gov-west-1', 'a b', 'web')).toBe(
      'https://us-gov-west-1.console.aws.amazon.com/ecs/v2/clusters/a%20b/services/web/deployments',
    );
  });

  it('are left out when the region could choose another host, or a part is missing', () => {
    for (const region of ['evil.example#', 'eu-west-1.evil.example', '', 'EU-WEST-1', 'x/y']) {
      expect(taskConsoleUrl(region, 'prod', 'abc'), region).toBeNull();
    }
    expect(taskConsoleUrl('eu-west-1', '', 'abc')).toBeNull();
    expect(taskConsoleUrl('eu-west-1', 'prod', '')).toBeNull();
    expect(taskConsoleUrl('eu-west-1', '../..', 'a/b?c#d')).toBe(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/..%2F../tasks/a%2Fb%3Fc%23d',
    );
  });
});

describe('landing page', () => {
  it('escapes the five characters markup and attributes need', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('without the failures keeps only its links', () => {
    const page = landingPage(undefined);
    expect(page).toContain('href="metrics"');
    expect(page).not.toContain('<table');
  });
});

describe('/ and /api/recent-failures', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const core = freshCore();
    for (const name of [
      'task-stopped-oom.json',
      'task-stopped-user-initiated.json',
      'deployment-failed-rolling-back.json',
    ]) {
      core.pipeline.handle(fixtureLine(name));
    }
    const failedHook = fixtureEvent('hook-timed-out.json');
    (failedHook.detail as Record<string, unknown>).eventName = 'HOOK_FAILED';
    core.pipeline.handle(JSON.stringify(failedHook));
    core.pipeline.handle(fixtureLine('hook-timed-out.json'));
    core.pipeline.handle(fixtureLine('daemon-deployment-rollback-failed.json'));
    server = await startPageServer(() => core);
  });

  afterAll(async () => {
    await server.close();
  });

  it('serves the failures as JSON, with ISO times and console links', async () => {
    const res = await fetch(`${server.url}/api/recent-failures`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { tasks: unknown[]; deployments: unknown[] };
    expect(body.tasks).toEqual([
      {
        time: '2021-07-12T05:44:09.000Z',
        account: '832665068462',
        region: 'ap-northeast-1',
        cluster: 'apline-hello-cluster',
        service: 'checkout',
        taskId: '0a7d1c4e2b3f4a5b8c9d0e1f2a3b4c5d',
        stopCode: 'EssentialContainerExited',
        reason: 'out_of_memory',
        stoppedReason: 'Essential container in task exited',
        containers: [
          {
            name: 'alpine-hello',
            exitCode: 137,
            reason: 'OutOfMemoryError: Container killed due to memory usage',
          },
        ],
        consoleUrl:
          'https://ap-northeast-1.console.aws.amazon.com/ecs/v2/clusters/apline-hello-cluster/tasks/0a7d1c4e2b3f4a5b8c9d0e1f2a3b4c5d',
      },
    ]);
    expect(body.deployments).toEqual([
      expect.objectContaining({
        service: 'checkout',
        deploymentId: 'ecs-svc/1207745521118822913',
        outcomes: ['failed', 'rolled_back'],
        consoleUrl:
          'https://us-west-2.console.aws.amazon.com/ecs/v2/clusters/production/services/checkout/deployments',
      }),
    ]);
  });

  it('serves the page with a policy that runs no script', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await res.text();
    expect(page.match(/<tr class="task">/g)).toHaveLength(1);
    expect(page.match(/<tr class="deployment">/g)).toHaveLength(1);
  });

  it('lists the rolled-back daemon deployments and the failed hooks, below the counts', async () => {
    const page = await (await fetch(`${server.url}/`)).text();
    expect(page).toContain(
      'the most recent failed tasks, deployments, daemon deployments and hooks it counted',
    );
    expect(page).toContain(
      '<section id="daemon-deployments"><h2>Recent failed daemon deployments</h2>\n<table id="failed-daemon-deployments">',
    );
    expect(page).toContain(
      '<section id="hooks"><h2>Recent failed hooks</h2>\n<table id="failed-hooks">',
    );
    expect(page.match(/<tr class="daemon-deployment">/g)).toHaveLength(1);
    // The hook failed, then timed out (another execution of the same hook id): listed once.
    expect(page.match(/<tr class="hook">/g)).toHaveLength(1);
    expect(page).toContain('<code>my-cluster/monitoring-agent</code>');
    expect(page).toContain('title="daemon deployment rollback_failed">');
    expect(page).toContain(
      'title="my-cluster/checkout">my-cluster/checkout</td><td class="outcome" title="hook failed">',
    );
    const body = (await (await fetch(`${server.url}/api/recent-failures`)).json()) as Record<
      string,
      Record<string, unknown>[]
    >;
    expect(Object.keys(body)).toEqual(['tasks', 'deployments', 'daemon-deployments', 'hooks']);
    expect(body['daemon-deployments']?.[0]).toMatchObject({
      daemon: 'monitoring-agent',
      statuses: ['rollback_failed'],
    });
    expect(body.hooks?.[0]).toMatchObject({
      service: 'checkout',
      status: 'failed',
      hookType: 'PAUSE',
    });
  });
});
