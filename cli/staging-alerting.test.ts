import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_FILES } from '../catalog/index.ts';
import { LOOPBACK, parseConfig } from '../core/index.ts';
import { alertmanagerConfig, PRODUCTION_TIMING } from '../stack/index.ts';
import { Progress } from './progress.ts';
import { runExternalValidation } from './run-external-validation.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/**
 * A staging Prometheus + Alertmanager: `/api/v1/rules` lists one group holding only ServiceDown
 * (so every other required alert is missing), `/api/v2/status` the seed's route tree.
 */
let server: Server;
let base: string;
beforeAll(async () => {
  const rules = {
    status: 'success',
    data: {
      groups: [
        {
          name: 'phoenix-staging',
          file: '/etc/prometheus/rules/phoenix.yml',
          interval: 15,
          rules: [
            {
              type: 'alerting',
              name: 'ServiceDown',
              query: 'up{job="phoenix-services"} == 0',
              duration: 60,
              labels: { severity: 'critical' },
              annotations: { summary: '{{ $labels.instance }} is down' },
              alerts: [],
              health: 'ok',
            },
          ],
        },
      ],
    },
  };
  const status = {
    config: {
      original: stringify(alertmanagerConfig({ peer: () => 'hooks.example:443', timing: PRODUCTION_TIMING })),
    },
  };
  server = createServer((req, res) => {
    const body = req.url === '/api/v1/rules' ? rules : req.url === '/api/v2/status' ? status : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((done) => server.listen(0, LOOPBACK, done));
  base = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const run = (rules?: string[]) =>
  runExternalValidation({
    config: parseConfig({
      outDir: mkdtempSync(join(tmpdir(), 'phx-staging-alerting-')),
      stack: { runner: 'external', external: { prometheus: base, alertmanager: base } },
    }),
    phase: 4,
    ledgerPath: undefined,
    validators: ['alerts.offline'],
    ...(rules ? { rules } : {}),
    progress: new Progress(),
  });

describe('validate --stack external: the alert checks read staging', () => {
  it("checks staging's loaded rules and Alertmanager config, failing a required alert it lacks", async () => {
    const { results } = await run();
    const byId = new Map(results.map((r) => [r.id, r]));
    expect(byId.get('alerts.offline.present.ServiceDown')?.status).toBe('pass');
    const missing = results.filter((r) => r.id.startsWith('alerts.offline.present.') && r.status === 'fail');
    expect(missing.length).toBeGreaterThan(0);
    for (const r of missing)
      expect(r.message).toMatch(/^alert \w+ is not among the rules of staging \/api\/v1\/rules/);
    expect(byId.get('alerts.offline.check-rules')?.evidence.source).toBe(
      `staging /api/v1/rules (${base}/api/v1/rules)`,
    );
    expect(byId.get('alerts.offline.alertmanager-config')?.evidence.source).toBe(
      `staging /api/v2/status (${base}/api/v2/status)`,
    );
    // The repo's unit tests are about the repo's rules: not run against staging.
    expect(results.some((r) => r.id.startsWith('alerts.offline.unit.'))).toBe(false);
  }, 60_000);

  it('--rules checks the named repo files instead, and the report says so', async () => {
    const glob = join(REPO, RULE_FILES.alerts);
    const recording = join(REPO, RULE_FILES.recording);
    const { results } = await run([recording, glob]);
    const check = results.find((r) => r.id === 'alerts.offline.check-rules');
    expect(check?.status).toBe('pass');
    expect(check?.evidence.source).toBe(`repo ${recording}, ${glob}`);
    expect(results.some((r) => r.id.startsWith('alerts.offline.present.'))).toBe(false);
    expect(readFileSync(glob, 'utf8')).toContain('alert: ServiceDown');
  }, 120_000);
});
