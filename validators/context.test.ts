import { describe, expect, it } from 'vitest';
import { LokiClient, VictoriaLogsClient } from './clients/index.ts';
import { createClients, endpointsFromStack } from './context.ts';

describe('createClients: the log store', () => {
  it('builds the logs role from whichever log store endpoint is given', () => {
    const vl = createClients({ victorialogs: 'http://127.0.0.1:9428' }).logs;
    expect(vl).toBeInstanceOf(VictoriaLogsClient);
    expect(vl?.product).toBe('VictoriaLogs');
    const loki = createClients({ loki: 'http://127.0.0.1:3100' }, { loki: { 'X-Scope-OrgID': 't' } }).logs;
    expect(loki).toBeInstanceOf(LokiClient);
    expect(loki?.baseUrl).toBe('http://127.0.0.1:3100');
    expect(createClients({}).logs).toBeUndefined();
  });

  it('with both endpoints, takes the logStore option, VictoriaLogs by default', () => {
    const both = { victorialogs: 'http://127.0.0.1:9428', loki: 'http://127.0.0.1:3100' };
    expect(createClients(both).logs?.kind).toBe('victorialogs');
    expect(createClients(both, {}, { logStore: 'loki' }).logs?.kind).toBe('loki');
  });

  it("maps a stack's victorialogs and loki endpoints", () => {
    expect(endpointsFromStack({ victorialogs: 'http://a', loki: 'http://b' })).toEqual({
      victorialogs: 'http://a',
      loki: 'http://b',
    });
  });
});
