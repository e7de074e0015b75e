import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BACKEND_CHOICES } from '../cli/backend-flag.ts';

interface Service {
  image?: string;
  build?: { context: string; dockerfile_inline?: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  container_name?: string;
  deploy?: { resources?: { reservations?: { devices?: { driver: string; count: number; capabilities: string[] }[] } } };
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const WORKERS = ['orchestrator', 'trainer'] as const;
/** Finds or builds the Temporal CLI for the embedded dev server only; deployed workers never run it. */
/** The embedded stack's own settings (NAS_HOME, TEMPORAL_CLI, ...): everything in stack/ but the connection to a cluster. */
const EMBEDDED_ONLY_FILES = new Set(
  sourceFiles('stack').filter((path) => path !== join('stack', 'temporal', 'connect.ts')),
);
/** Set by the OS image. */
const NOT_DEPLOYMENT_SETTINGS = new Set(['PATH', 'HOME', 'XDG_CACHE_HOME']);

/** Compose's `${NAME}` / `${NAME:-default}` with nothing set in the shell (innermost first). */
function interpolateDefaults(value: string): string {
  const innermost = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^${}]*))?\}/;
  let text = value;
  while (innermost.test(text)) text = text.replace(innermost, (_, _name, fallback) => fallback ?? '');
  return text;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

function envVarsReadBy(dirs: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of dirs.flatMap(sourceFiles).filter((path) => !EMBEDDED_ONLY_FILES.has(path))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(match[1]);
  }
  return names;
}

describe('docker-compose.yml', () => {
  it('has the whole deployed stack', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'migrate', 'orchestrator', 'trainer']),
    );
  });

  it('wires every environment variable the worker code reads into both workers', () => {
    const read = [...envVarsReadBy(['workers', 'engine', 'kernels', 'stack', 'db', 'cli'])].filter(
      (name) => !NOT_DEPLOYMENT_SETTINGS.has(name),
    );
    expect(read).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'DATABASE_URL', 'NAS_DATA_DIR']));
    for (const role of WORKERS) {
      const missing = read.filter((name) => !(name in (services[role].environment ?? {})));
      expect(missing, `${role} lacks`).toEqual([]);
    }
    for (const name of ['TEMPORAL_NAMESPACE', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_API_KEY']) {
      expect(services.trainer.environment).toHaveProperty(name);
    }
  });

  it('points the workers at the compose Temporal and Postgres by default', () => {
    const env = services.orchestrator.environment!;
    expect(interpolateDefaults(env.TEMPORAL_ADDRESS)).toBe('temporal:7233');
    expect(interpolateDefaults(env.TEMPORAL_NAMESPACE)).toBe('default');
    const postgres = services.postgres.environment!;
    const url = new URL(interpolateDefaults(env.DATABASE_URL));
    expect(url.hostname).toBe('postgres');
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect(url.password).toBe(interpolateDefaults(postgres.POSTGRES_PASSWORD));
    expect(interpolateDefaults(env.NAS_DATA_DIR)).toBe('/usr/share/datasets/fashion-mnist');
    // Empty TLS settings mean plain gRPC to the compose Temporal.
    expect(interpolateDefaults(env.TEMPORAL_TLS_CERT)).toBe('');
    expect(interpolateDefaults(env.TEMPORAL_API_KEY)).toBe('');
  });

  it('runs Temporal on Postgres at the server version of the embedded dev server', () => {
    const temporal = services.temporal;
    const script = readFileSync('scripts/temporal-postgres.sh', 'utf8');
    const serverVersion = /TEMPORAL_SERVER_VERSION:-([\d.]+)/.exec(script)?.[1];
    expect(temporal.image).toBe(`temporalio/auto-setup:${serverVersion}`);
    expect(temporal.environment!.DB).toBe('postgres12');
    expect(temporal.environment!.POSTGRES_SEEDS).toBe('postgres');
    expect(temporal.depends_on).toHaveProperty('postgres');
    expect(interpolateDefaults(services['temporal-ui'].environment!.TEMPORAL_ADDRESS)).toBe('temporal:7233');
  });

  it('starts the workers with valid `nas worker` commands after migrations', () => {
    expect(services.orchestrator.command).toEqual(['npx', 'nas', 'worker', 'orchestrator']);
    expect(services.migrate.command).toEqual(['npx', 'nas', 'db', 'migrate']);
    const trainer = services.trainer.command!;
    expect(trainer.slice(0, 4)).toEqual(['npx', 'nas', 'worker', 'trainer']);
    expect(trainer[trainer.indexOf('--task-queue') + 1]).toBe('nas-train-gpu');
    expect(BACKEND_CHOICES).toContain(trainer[trainer.indexOf('--backend') + 1]);
    for (const role of WORKERS) {
      expect(services[role].depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
    }
  });

  it('lets trainers scale: one NVIDIA GPU each, no fixed name or host port', () => {
    const trainer = services.trainer;
    expect(trainer.deploy?.resources?.reservations?.devices).toEqual([
      { driver: 'nvidia', count: 1, capabilities: ['gpu'] },
    ]);
    expect(trainer.container_name).toBeUndefined();
    expect(trainer.ports).toBeUndefined();
  });

  it('builds images holding every source folder the CLI runs from', () => {
    const tsconfig = JSON.parse(readFileSync('tsconfig.json', 'utf8')) as { include: string[] };
    const runtimeFolders = tsconfig.include.filter(
      (entry) => !['tests', 'bench', 'harness'].includes(entry) && !entry.includes('*'),
    );
    const dockerfile = services.orchestrator.build!.dockerfile_inline!;
    for (const folder of runtimeFolders) {
      expect(existsSync(folder), `${folder} exists`).toBe(true);
      expect(dockerfile, `image copies ${folder}`).toMatch(new RegExp(`^\\s*COPY ${folder} ${folder}$`, 'm'));
    }
    expect(dockerfile).toMatch(/COPY package\.json package-lock\.json/);
    expect(dockerfile).toMatch(/npm ci/);
    expect(services.orchestrator.build!.target).toBe('app');
    expect(services.trainer.build!.target).toBe('trainer-gpu');
    expect(dockerfile).toMatch(/AS trainer-gpu/);
  });
});

/** docker compose's own loader (compose-go, built from scripts/compose-config); CI always has Go. */
function composeConfig(file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('go', ['run', '.', resolve(file)], {
    cwd: 'scripts/compose-config',
    encoding: 'utf8',
    // Only what Go needs: the defaults in the file are under test, not this shell's DATABASE_URL & co.
    env: {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => /^(GO|PATH$|HOME$|XDG_CACHE_HOME$)/.test(name)),
      ),
      GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim(),
    },
  });
  if (result.error)
    throw new Error(`go run scripts/compose-config: ${result.error.message} (needs the Go toolchain on PATH)`);
  return result;
}

const haveGo = spawnSync('go', ['version']).status === 0;

describe.runIf(haveGo || process.env.CI)('docker-compose.yml under the compose loader', () => {
  it('is a valid compose project with the trainer GPU reservation intact', () => {
    const { status, stdout, stderr } = composeConfig('docker-compose.yml');
    // The loader warns on stderr; the Go toolchain's module downloads (a fresh machine) are not warnings.
    expect(stderr.replace(/^go: downloading .*\n/gm, '')).toBe('');
    expect(status).toBe(0);
    const project = JSON.parse(stdout) as { services: Record<string, Service> };
    expect(Object.keys(project.services).sort()).toEqual(Object.keys(services).sort());
    expect(project.services.trainer.deploy?.resources?.reservations?.devices?.[0]).toMatchObject({
      driver: 'nvidia',
      capabilities: ['gpu'],
    });
    expect(project.services.trainer.environment?.DATABASE_URL).toBe('postgres://postgres:nas@postgres:5432/nas');
  }, 120_000);

  it('rejects a file that breaks the compose schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-compose-'));
    try {
      const broken = join(dir, 'docker-compose.yml');
      writeFileSync(
        broken,
        'services:\n  trainer:\n    image: x\n    deploy: { resources: { reservations: { devices: [ { driver: nvidia } ] } } }\n',
      );
      const { status, stderr } = composeConfig(broken);
      expect(status).toBe(1);
      expect(stderr).toMatch(/invalid compose file: .*devices.*capabilities/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
