/**
 * What can be checked here of the deployment files without Docker, a cluster
 * or AWS: they parse, reference what exists, and have the properties the
 * exporter needs (docs/design.md says what the tests do not cover).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { DEFAULT_PORT, OPTIONS } from '../../src/config.js';
import { itWith, tool } from '../helpers/tools.js';
import { REPO, RULES_PATH } from './rules.js';

const read = (path: string) => readFileSync(new URL(path, REPO), 'utf8');
const repoPath = (path: string) => fileURLToPath(new URL(path, REPO));
const EXPORTER_ENV = new Set([...OPTIONS.map((o) => o.env), 'AWS_REGION']);
const flagsOf = (command: string) =>
  new Set(
    OPTIONS.filter((o) => (o.commands as readonly string[]).includes(command)).map((o) => o.flag),
  );

describe('Kubernetes manifests', () => {
  const kustomization = parse(read('deploy/kubernetes/kustomization.yaml')) as {
    namespace: string;
    resources: string[];
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML.
  const docs: any[] = kustomization.resources.flatMap((file) =>
    parseAllDocuments(read(`deploy/kubernetes/${file}`)).map((d) => {
      expect(d.errors, file).toEqual([]);
      return d.toJS();
    }),
  );
  const ofKind = (kind: string) => docs.filter((d) => d.kind === kind);

  it('parse, all in one namespace, and the kustomization lists every manifest', () => {
    expect(
      kustomization.resources.every((f) => existsSync(repoPath(`deploy/kubernetes/${f}`))),
    ).toBe(true);
    const kinds = docs.map((d) => d.kind).sort();
    expect(kinds).toEqual([
      'Deployment',
      'Namespace',
      'NetworkPolicy',
      'PersistentVolumeClaim',
      'PrometheusRule',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    for (const d of docs.filter((x) => x.kind !== 'Namespace')) {
      expect(d.metadata.namespace, d.kind).toBe(kustomization.namespace);
    }
  });

  it('run the exporter non-root, read-only, with its state on a volume and probes on /healthz and /readyz', () => {
    const [deployment] = ofKind('Deployment');
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    const [container] = pod.containers;
    expect(container.args).toEqual(['run']);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.ports).toEqual([
      { name: 'metrics', containerPort: DEFAULT_PORT, protocol: 'TCP' },
    ]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    const env = new Map<string, string>(
      container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    for (const name of env.keys()) expect(EXPORTER_ENV, name).toContain(name);
    expect(env.get('ECS_EXPORTER_STREAM')).toMatch(/\S/);
    expect(env.get('ECS_EXPORTER_LISTEN_ADDRESS')).toBe(`0.0.0.0:${DEFAULT_PORT}`);
    // The state directory is the mounted volume, backed by the claim.
    const mount = container.volumeMounts.find(
      (m: { mountPath: string }) => m.mountPath === env.get('ECS_EXPORTER_STATE_DIR'),
    );
    expect(mount).toBeDefined();
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(volume.persistentVolumeClaim.claimName).toBe(
      ofKind('PersistentVolumeClaim')[0].metadata.name,
    );
    expect(pod.serviceAccountName).toBe(ofKind('ServiceAccount')[0].metadata.name);
  });

  it('mount no Kubernetes API token, and give the probes a timeout', () => {
    const [deployment] = ofKind('Deployment');
    const pod = deployment.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(ofKind('ServiceAccount')[0].automountServiceAccountToken).toBe(false);
    const [container] = pod.containers;
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.timeoutSeconds).toBeGreaterThan(0);
      expect(probe.timeoutSeconds).toBeLessThan(probe.periodSeconds);
    }
  });

  it('admit the scrape port from the monitoring namespace only', () => {
    const [policy] = ofKind('NetworkPolicy');
    const [deployment] = ofKind('Deployment');
    expect(deployment.spec.template.metadata.labels).toMatchObject(
      policy.spec.podSelector.matchLabels,
    );
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        ports: [{ protocol: 'TCP', port: 'metrics' }],
      },
    ]);
    const [container] = deployment.spec.template.spec.containers;
    expect(container.ports.map((p: { name: string }) => p.name)).toContain('metrics');
  });

  it('are scraped: the Service selects the pods, the ServiceMonitor selects the Service port', () => {
    const [deployment] = ofKind('Deployment');
    const [service] = ofKind('Service');
    const [monitor] = ofKind('ServiceMonitor');
    const podLabels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(
      expect.objectContaining(service.spec.selector),
    );
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(
      monitor.spec.endpoints[0].port,
    );
    expect(monitor.spec.endpoints[0].path).toBe('/metrics');
    // A pod failing /readyz (stream problems) is still scraped.
    expect(service.spec.publishNotReadyAddresses).toBe(true);
    // The job label under the prometheus-operator is the Service name: the rules' job.
    expect(service.metadata.name).toBe('ecs-events-exporter');
    expect(read('deploy/prometheus/rules/ecs-events-exporter.rules.yaml')).toContain(
      `job="${service.metadata.name}"`,
    );
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as {
    // biome-ignore lint/suspicious/noExplicitAny: compose files are free-form YAML.
    services: Record<string, any>;
    volumes: Record<string, unknown>;
  };
  const services = compose.services;

  it('has a Kinesis-API server, the exporter running the simulator, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['exporter', 'exporter-run', 'grafana', 'kinesis', 'kinesis-init', 'prometheus'].sort(),
    );
    expect(services.exporter.command[0]).toBe('demo');
    expect(services['exporter-run'].command).toEqual(['run']);
  });

  it('runs the Kinesis-API server from an image of its own, never the exporter image', () => {
    const kinesis = services.kinesis;
    expect(kinesis.image).not.toBe(services.exporter.image);
    expect(kinesis.build).not.toBe('.');
    expect(kinesis.build.context).not.toMatch(/^\.?\/?$/);
    expect(kinesis.entrypoint).toBeUndefined();
    const dockerfile = read(`${kinesis.build.context}/${kinesis.build.dockerfile}`);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-[a-z]+-slim$/m);
    // A pinned kinesalite, the version the tests run against, in memory (no --path).
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { version: string }>;
    };
    const version = lock.packages['node_modules/kinesalite']?.version;
    expect(dockerfile).toContain(`npm install --omit=dev --ignore-scripts`);
    expect(dockerfile).toContain(`kinesalite@${version}`);
    // kinesalite's command line, trimming its streams so the stack runs in bounded memory.
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bounded-kinesalite.cjs"]');
    expect(read(`${kinesis.build.context}/bounded-kinesalite.cjs`)).toContain(
      'MAX_RECORDS_PER_SHARD',
    );
    expect(dockerfile).toMatch(/^CMD \["--port", "4567"/m);
    expect(dockerfile).not.toContain('--path');
    expect(dockerfile).toMatch(/^USER node$/m);
    // The demo puts its events into that server, once it accepts connections.
    const args = services.exporter.command as string[];
    expect(args[args.indexOf('--kinesis-endpoint') + 1]).toBe('http://kinesis:4567');
    expect(services.exporter.depends_on).toEqual({ kinesis: { condition: 'service_healthy' } });
    expect(services.exporter.environment.AWS_REGION).toBeTruthy();
  });

  it('passes the exporter only flags and settings it knows', () => {
    const [command, ...args] = services.exporter.command as string[];
    const flags = flagsOf(command as string);
    for (const arg of args.filter((a) => a.startsWith('--'))) expect(flags, arg).toContain(arg);
    const env = services['exporter-run'].environment as Record<string, string>;
    for (const name of [...Object.keys(env), ...Object.keys(services.exporter.environment)]) {
      if (!name.startsWith('AWS_')) expect(EXPORTER_ENV, name).toContain(name);
    }
    expect(env.AWS_ENDPOINT_URL_KINESIS).toBe('http://kinesis:4567');
    expect(services['exporter-run'].volumes).toEqual([
      `exporter-state:${env.ECS_EXPORTER_STATE_DIR}`,
    ]);
    for (const name of ['exporter', 'exporter-run', 'kinesis'])
      expect(services[name].read_only).toBe(true);
  });

  it('mounts files that exist: the Prometheus config, the rules, Grafana provisioning and dashboards', () => {
    const mounts = Object.values(services).flatMap((s) => (s.volumes ?? []) as string[]);
    const binds = mounts.filter((m) => m.startsWith('./'));
    expect(binds.length).toBe(4);
    for (const bind of binds)
      expect(existsSync(repoPath(bind.split(':')[0] as string)), bind).toBe(true);
    for (const named of mounts.filter((m) => !m.startsWith('./'))) {
      expect(Object.keys(compose.volumes)).toContain(named.split(':')[0]);
    }
    // Grafana finds the dashboards where the provider looks.
    const provider = parse(read('grafana/provisioning/dashboards/ecs-events-exporter.yaml')) as {
      providers: { options: { path: string } }[];
    };
    expect(services.grafana.volumes).toContain(
      `./grafana/dashboards:${provider.providers[0]?.options.path}:ro`,
    );
    const home = services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH as string;
    expect(existsSync(repoPath(`grafana/dashboards/${home.split('/').pop()}`))).toBe(true);
    // The data source points at the compose Prometheus.
    const datasource = parse(read('grafana/provisioning/datasources/prometheus.yaml')) as {
      datasources: { url: string }[];
    };
    expect(datasource.datasources[0]?.url).toBe('http://prometheus:9090');
  });

  it("has a Prometheus config that promtool accepts, loading this project's rules", () => {
    const config = parse(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    const rulesMount = (services.prometheus.volumes as string[]).find((v) =>
      v.startsWith('./deploy/prometheus/rules:'),
    );
    const container = (rulesMount as string).split(':')[1] as string;
    expect(config.rule_files).toEqual([`${container}/*.yaml`]);
    const job = config.scrape_configs.find((j) => j.job_name === 'ecs-events-exporter');
    expect(job?.dns_sd_configs?.[0]?.names.sort()).toEqual(['exporter', 'exporter-run']);
    expect(job?.dns_sd_configs?.[0]?.port).toBe(DEFAULT_PORT);
    // promtool with the rule glob pointed at the repository's rules.
    const dir = mkdtempSync(join(tmpdir(), 'ecs-events-exporter-promcfg-'));
    try {
      const local = { ...config, rule_files: [join(dirname(fileURLToPath(RULES_PATH)), '*.yaml')] };
      writeFileSync(join(dir, 'prometheus.yml'), stringify(local));
      const check = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], {
        encoding: 'utf8',
      });
      expect(`${check.stdout}${check.stderr}`).toMatch(/SUCCESS: \d+ rules found/);
      expect(check.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const froms = instructions.filter((l) => l.startsWith('FROM '));
  const finalStage = instructions.slice(
    instructions.lastIndexOf(froms[froms.length - 1] as string),
  );
  const first = (keyword: string) => finalStage.find((l) => l.startsWith(`${keyword} `)) ?? '';

  it('builds in one stage and runs production dependencies only in the final one', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build argument.
    expect(froms).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE}']);
    expect(text).toMatch(/^ARG NODE_IMAGE=node:(2[2-9]|[3-9]\d)-[a-z]+-slim$/m);
    expect(finalStage.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
    expect(finalStage).toContain('COPY --from=build /app/dist ./dist');
    expect(finalStage.some((l) => /npm (ci|install)(?!.*--omit=dev)/.test(l))).toBe(false);
    // What the build stage copies exists.
    for (const l of instructions.filter((x) => x.startsWith('COPY ') && !x.includes('--from'))) {
      const sources = l.split(/\s+/).slice(1, -1);
      for (const s of sources) expect(existsSync(repoPath(s)), s).toBe(true);
    }
  });

  it('runs as a non-root user, with its state on a volume, healthy when /healthz answers', () => {
    const user = first('USER').slice(5);
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(finalStage.indexOf(first('USER'))).toBeLessThan(finalStage.indexOf(first('ENTRYPOINT')));
    const stateDir = /ECS_EXPORTER_STATE_DIR=(\S+)/.exec(first('ENV'))?.[1];
    expect(stateDir).toBe('/var/lib/ecs-events-exporter');
    expect(first('VOLUME')).toBe(`VOLUME ["${stateDir}"]`);
    expect(text).toContain(`chown ${user}:${user} ${stateDir}`);
    const healthcheck = first('HEALTHCHECK');
    expect(healthcheck).toContain('CMD ["node", "-e"');
    expect(healthcheck).toContain(`http://127.0.0.1:${DEFAULT_PORT}/healthz`);
    expect(instructions.join('\n')).not.toMatch(/\b(curl|wget)\b/);
    expect(first('EXPOSE')).toBe(`EXPOSE ${DEFAULT_PORT}`);
  });

  it('starts node itself (exec form), so SIGTERM reaches it', () => {
    expect(JSON.parse(first('ENTRYPOINT').slice('ENTRYPOINT '.length))).toEqual([
      'node',
      'dist/cli.js',
    ]);
    expect(JSON.parse(first('CMD').slice('CMD '.length))).toEqual(['run']);
  });

  it('keeps the build context small', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', 'test']) expect(ignored).toContain(entry);
    for (const needed of [
      'src',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });

  it('the exporter imports only production dependencies (what npm ci --omit=dev installs)', () => {
    const pkg = JSON.parse(read('package.json')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const allowed = new Set(Object.keys(pkg.dependencies));
    const builtins = new Set(builtinModules);
    const seen = new Set<string>();
    const external = new Set<string>();
    /** Packages loaded by `await import()`, by the file that loads them. */
    const deferred = new Map<string, string>();
    const packageOf = (spec: string) =>
      spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/(from|import\(|require\()\s*'([^']+)'/g)) {
        const spec = m[2] as string;
        if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
        else if (m[1] === 'import(') deferred.set(packageOf(spec), file);
        else external.add(spec);
      }
    };
    visit(repoPath('src/cli.ts'));
    expect(seen.size).toBeGreaterThan(10);
    for (const spec of external) {
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      expect(
        allowed,
        `${spec} is imported by the exporter but is not a production dependency`,
      ).toContain(packageOf(spec));
    }
    // The Kinesis emulator is for the demo and the tests only: a development
    // dependency, loaded on demand by the demo's embedded server alone.
    expect(Object.keys(pkg.dependencies)).not.toContain('kinesalite');
    expect(Object.keys(pkg.devDependencies)).toContain('kinesalite');
    expect([...external].map(packageOf)).not.toContain('kinesalite');
    for (const [name, file] of deferred) {
      if (allowed.has(name)) continue;
      expect([name, file]).toEqual(['kinesalite', repoPath('src/simulator/local-kinesis.ts')]);
    }
    expect(text).not.toMatch(/kinesalite/i);
  });
});

const kubectl = tool(
  'kubectl',
  spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0,
  'kubectl 1.21 or later, for its kustomize v4+ (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/; Debian 12 kubernetes-client 1.20 is too old for `patches:`)',
);

describe('Kubernetes active/standby overlay', () => {
  itWith(kubectl)(
    'renders two replicas on the lease with their state in S3, and no volume claim',
    () => {
      const built = spawnSync(
        'kubectl',
        ['kustomize', repoPath('deploy/kubernetes-active-standby')],
        {
          encoding: 'utf8',
        },
      );
      expect(built.stderr).toBe('');
      // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML.
      const docs: any[] = parseAllDocuments(built.stdout).map((d) => d.toJS());
      expect(docs.map((d) => d.kind)).not.toContain('PersistentVolumeClaim');
      const [deployment] = docs.filter((d) => d.kind === 'Deployment');
      expect(deployment.spec.replicas).toBe(2);
      expect(deployment.spec.strategy.type).toBe('RollingUpdate');
      const [container] = deployment.spec.template.spec.containers;
      const env = new Map(
        (container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
      );
      expect(env.has('ECS_EXPORTER_STATE_DIR')).toBe(false);
      expect(env.get('ECS_EXPORTER_STATE_URL')).toMatch(/^s3:\/\/[a-z0-9.-]+\/.+\/$/);
      expect(env.get('ECS_EXPORTER_LEASE_TABLE')).toBeTruthy();
      const known = new Set([...OPTIONS.map((o) => o.env), 'AWS_REGION']);
      for (const name of env.keys()) expect(known, name).toContain(name);
      expect(container.volumeMounts ?? []).toEqual([]);
      expect(deployment.spec.template.spec.volumes ?? []).toEqual([]);
    },
  );
});
