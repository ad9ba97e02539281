import { describe, expect, it } from 'vitest';
import { REDACTED } from './model.ts';
import { redactText, secretsFromConfigAndEnv, secretVariants } from './redact.ts';

describe('redactText', () => {
  it.each([
    ['https://user:pw@host/x', `https://user:${REDACTED}@host/x`],
    ['see http://tok123@host:9/a and https://h/b', `see http://${REDACTED}@host:9/a and https://h/b`],
    ['Authorization: Bearer abc.def-ghi_123', `Authorization: Bearer ${REDACTED}`],
    ['Basic YWRtaW46c2VjcmV0LXB3', `Basic ${REDACTED}`],
    ['https://h/api?query=up&token=abc123&x=1', `https://h/api?query=up&token=${REDACTED}&x=1`],
  ])('%s', (text, expected) => expect(redactText(text, [])).toBe(expected));

  it('leaves ordinary text alone', () => {
    for (const text of [
      'Basic authentication is configured',
      'http://127.0.0.1:9090/api/v1/query?query=up',
      'user@example.com wrote',
      'Bearer tokens are checked',
    ])
      expect(redactText(text, [])).toBe(text);
  });

  it('masks known secret values wherever they are, longest first', () => {
    expect(redactText('a s3cr3t-long and s3cr3t', ['s3cr3t', 's3cr3t-long'])).toBe(
      `a ${REDACTED} and ${REDACTED}`,
    );
  });
});

describe('the secrets a run knows of', () => {
  it('reads the ${ENV} values a config refers to, their bare tokens, and AUTH_TOKEN', () => {
    const config = { stack: { external: { headers: { grafana: { Authorization: 'Bearer ${G_TOKEN}' } } } } };
    expect(
      secretsFromConfigAndEnv(config, { G_TOKEN: 'gtok-1', AUTH_TOKEN: 'atok-2', PATH: '/bin' }).sort(),
    ).toEqual(['Bearer gtok-1', 'atok-2', 'gtok-1'].sort());
  });

  it('decodes Basic credentials to their password', () => {
    const header = `Basic ${Buffer.from('admin:pw-123').toString('base64')}`;
    expect(secretVariants(header)).toEqual([header, header.slice(6), 'admin:pw-123', 'pw-123']);
  });
});
