import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv } from './child-env.ts';

const SECRET = 'PHX_SECRET_TEST';

describe('childEnv: a child gets what it needs, not process.env', () => {
  beforeEach(() => {
    process.env[SECRET] = 's3cr3t-value';
    process.env.K6_NO_USAGE_REPORT = 'true';
    process.env.GOPROXY = 'https://proxy.golang.org';
  });
  afterEach(() => {
    delete process.env[SECRET];
    delete process.env.K6_NO_USAGE_REPORT;
    delete process.env.GOPROXY;
  });

  it('keeps the base variables and each need’s own, drops everything else', () => {
    const from = {
      PATH: '/bin',
      HOME: '/h',
      LC_ALL: 'C',
      AWS_SECRET_ACCESS_KEY: 'x',
      K6_X: '1',
      GOCACHE: '/g',
    };
    expect(childEnv([], {}, from)).toEqual({ PATH: '/bin', HOME: '/h', LC_ALL: 'C' });
    expect(childEnv(['k6'], {}, from)).toEqual({ PATH: '/bin', HOME: '/h', LC_ALL: 'C', K6_X: '1' });
    expect(childEnv(['go'], {}, from)).toEqual({ PATH: '/bin', HOME: '/h', LC_ALL: 'C', GOCACHE: '/g' });
  });

  it('puts the extra variables on top (a secret only that child needs), and undefined removes one', () => {
    expect(childEnv([], { AUTH_TOKEN: 't', HOME: undefined }, { PATH: '/bin', HOME: '/h' })).toEqual({
      PATH: '/bin',
      AUTH_TOKEN: 't',
    });
  });

  it(`a spawned child does not see ${SECRET}, and still finds its programs`, () => {
    const seen = JSON.parse(
      execFileSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], {
        env: childEnv(['node', 'k6', 'go']),
        encoding: 'utf8',
      }),
    ) as Record<string, string>;
    expect(seen[SECRET]).toBeUndefined();
    expect(seen.PATH).toBe(process.env.PATH);
    expect(seen.K6_NO_USAGE_REPORT).toBe('true');
    expect(seen.GOPROXY).toBe('https://proxy.golang.org');
  });
});
