import { describe, expect, it } from 'vitest';
import { declaredHostDir, RunSecrets } from './run-secrets.ts';

describe('RunSecrets', () => {
  it('makes one random secret per component and name, and a fresh set per run', () => {
    const run = new RunSecrets();
    const grafana = run.forComponent('grafana');
    const password = grafana('admin-password');
    expect(password).toMatch(/^[\w-]{32}$/);
    expect(grafana('admin-password')).toBe(password);
    expect(grafana('other')).not.toBe(password);
    expect(run.forComponent('loki')('admin-password')).not.toBe(password);
    expect(new RunSecrets().forComponent('grafana')('admin-password')).not.toBe(password);
  });

  it('hands out the client headers by component, as copies', () => {
    const run = new RunSecrets();
    run.setClientHeaders('grafana', { Authorization: 'Basic x' });
    run.setClientHeaders('loki', undefined);
    run.setClientHeaders('jaeger', {});
    const credentials = run.credentials();
    expect(credentials).toEqual({ grafana: { Authorization: 'Basic x' } });
    (credentials.grafana ?? {}).Authorization = 'changed';
    expect(run.credentials().grafana?.Authorization).toBe('Basic x');
  });

  it('names the component when a host directory was not declared', () => {
    expect(declaredHostDir('grafana', { dashboards: '/d' }, 'dashboards')).toBe('/d');
    expect(() => declaredHostDir('grafana', undefined, 'rules')).toThrowError(
      'grafana declares no host directory "rules"',
    );
  });
});
