import { describe, expect, it } from 'vitest';
import { scenarioVariables } from './scenario-variables.ts';

describe('scenarioVariables', () => {
  it("takes the scenario's variables and secret references, and reads the run's duration", () => {
    const vars = scenarioVariables(
      'load',
      ['RATE=200', 'DURATION=5m', 'MAX_VUS=80', 'K6_NO_CONNECTION_REUSE=false'],
      ['AUTH_TOKEN=phoenix-auth:token'],
    );
    expect(vars.env).toEqual({ RATE: '200', DURATION: '5m', MAX_VUS: '80', K6_NO_CONNECTION_REUSE: 'false' });
    expect(vars.secretEnv).toEqual({ AUTH_TOKEN: { secret: 'phoenix-auth', key: 'token' } });
    expect(vars.config.durationMs).toBe(300_000);
    expect(vars.config.rate).toBe(200);
  });

  it('uses the scenario defaults when nothing is given', () => {
    expect(scenarioVariables('smoke', [], []).config).toMatchObject({ rate: 2, durationMs: 10_000 });
  });

  it('refuses a secret given as a value: it would be written into the manifest', () => {
    expect(() => scenarioVariables('load', ['AUTH_TOKEN=s3cr3t'], [])).toThrow(
      '--env AUTH_TOKEN: a secret must not be written into the manifest',
    );
  });

  it('refuses a value the scenario itself would refuse, naming it', () => {
    expect(() => scenarioVariables('load', ['RATE=fast', 'DURATION=0.5s'], [])).toThrow(
      'invalid --env for the load scenario:\n  - RATE="fast": must be a positive number\n  - DURATION="0.5s": must be at least 1s',
    );
  });

  it('refuses what the harness sets, a variable no scenario reads, and malformed assignments', () => {
    expect(() => scenarioVariables('load', ['BASE_URL=http://x'], [])).toThrow(
      '--env BASE_URL: the harness sets BASE_URL on every runner',
    );
    expect(() => scenarioVariables('load', ['RATES=50'], [])).toThrow(
      '--env RATES: not a variable the scenarios read',
    );
    expect(() => scenarioVariables('load', ['RATE'], [])).toThrow('--env "RATE": expected NAME=value');
    expect(() => scenarioVariables('load', [], ['AUTH_TOKEN=phoenix-auth'])).toThrow(
      '--secret-env AUTH_TOKEN=phoenix-auth: expected <secret-name>:<key>',
    );
  });
});
