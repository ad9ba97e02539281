import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../core/index.ts';
import { REPORTER_NAMES, expandEnvReferences, parseConfig } from '../core/index.ts';
import { RunSecrets } from '../stack/index.ts';
import { evaluateGate } from '../validators/index.ts';
import { buildRunReport } from './report-builder.ts';
import type { ValidationRun } from './validation-run.ts';
import { writeReports } from './write-reports.ts';

// Secrets in every place a run can carry them.
const HEADER_TOKEN = 'hdr-tok-9f8e7d6c5b4a';
const CUSTOM_HEADER = 'custom-hdr-31415926';
const URL_PASSWORD = 'url-pw-27182818';
const URL_TOKEN = 'ghp_urltoken1234567890';
const AUTH_TOKEN = 'auth-tok-1a2b3c4d5e';
const BEARER_ELSEWHERE = 'eyJhbGciOiJIUzI1NiJ9.payload.sig';
process.env.PHX_TEST_GRAFANA_TOKEN = HEADER_TOKEN;
process.env.PHX_TEST_ORG = CUSTOM_HEADER;
process.env.AUTH_TOKEN = AUTH_TOKEN;

const dir = mkdtempSync(join(tmpdir(), 'phx-redaction-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.PHX_TEST_GRAFANA_TOKEN;
  delete process.env.PHX_TEST_ORG;
  delete process.env.AUTH_TOKEN;
});

describe('no credential reaches an output', () => {
  it('masks them in report.html, report.json, junit.xml, the GitHub summary and stdout', async () => {
    const config = parseConfig({
      stack: {
        runner: 'external',
        external: {
          prometheus: `https://alice:${URL_PASSWORD}@prom.staging.example`,
          jaeger: `https://${URL_TOKEN}@jaeger.staging.example`,
          headers: {
            grafana: { Authorization: 'Bearer ${PHX_TEST_GRAFANA_TOKEN}' },
            loki: { 'X-Org': '${PHX_TEST_ORG}' },
          },
        },
      },
    });
    // As runExternalValidation does: the header values are read from the environment.
    for (const [backend, headers] of Object.entries(config.stack.external?.headers ?? {}))
      for (const [name, value] of Object.entries(headers))
        expandEnvReferences(value, process.env, `stack.external.headers.${backend}.${name}`);
    // As a stack with Grafana does: a generated admin password, sent as Basic auth.
    const secrets = new RunSecrets();
    const grafanaPassword = secrets.forComponent('grafana')('admin-password');
    secrets.setClientHeaders('grafana', {
      Authorization: `Basic ${Buffer.from(`admin:${grafanaPassword}`).toString('base64')}`,
    });

    const leaked = [
      HEADER_TOKEN,
      CUSTOM_HEADER,
      URL_PASSWORD,
      URL_TOKEN,
      AUTH_TOKEN,
      BEARER_ELSEWHERE,
      grafanaPassword,
    ];
    const results: CheckResult[] = [
      {
        id: 'metrics.targets-up',
        family: 'metrics',
        title: 'targets up',
        status: 'fail',
        phase: 1,
        expected: `Authorization: Bearer ${HEADER_TOKEN}`,
        observed: `X-Org ${CUSTOM_HEADER}`,
        message: `GET https://alice:${URL_PASSWORD}@prom.staging.example/api/v1/targets failed (token ${AUTH_TOKEN})`,
        evidence: {
          urls: [`https://${URL_TOKEN}@jaeger.staging.example/api/traces?token=qs-secret-value`],
          header: `Bearer ${BEARER_ELSEWHERE}`,
          grafana: `admin:${grafanaPassword}`,
          [`key-${HEADER_TOKEN}`]: 1,
        },
      },
    ];
    const run: ValidationRun = {
      runId: 'run-redaction',
      runDir: dir,
      startedAt: new Date('2026-01-01T00:00:00Z'),
      finishedAt: new Date('2026-01-01T00:01:00Z'),
      results,
      gate: evaluateGate(results, 1),
      scenario: undefined,
      components: [
        {
          name: 'prometheus',
          version: 'external',
          url: `https://alice:${URL_PASSWORD}@prom.staging.example`,
        },
      ],
      links: { prometheus: `https://alice:${URL_PASSWORD}@prom.staging.example` },
      ledgerPath: undefined,
      stack: undefined,
    };

    const report = await buildRunReport(run, { config });
    let stdout = '';
    const summary = join(dir, 'github-summary.md');
    const outcome = await writeReports(report, REPORTER_NAMES, dir, {
      env: { GITHUB_STEP_SUMMARY: summary },
      stdout: { isTTY: false, write: (chunk: string) => ((stdout += chunk), true) },
    });
    expect(outcome.problems).toEqual([]);

    const files = readdirSync(dir).map((f) => join(dir, f));
    for (const name of ['report.html', 'report.json', 'junit.xml', 'github-summary.md'])
      expect(files).toContain(join(dir, name));
    const outputs: [string, string][] = [
      ...files.map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
      ['stdout', stdout],
    ];
    for (const [where, text] of outputs) {
      for (const secret of [...leaked, 'qs-secret-value'])
        expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
      // Base64 of the Grafana credentials, as the header carries them.
      expect(text.includes(Buffer.from(`admin:${grafanaPassword}`).toString('base64')), where).toBe(false);
    }
    const json = readFileSync(join(dir, 'report.json'), 'utf8');
    expect(json).toContain(`https://alice:[redacted]@prom.staging.example`);
    expect(json).toContain(`https://[redacted]@jaeger.staging.example`);
    expect(stdout).toContain('[redacted]');
  });
});
