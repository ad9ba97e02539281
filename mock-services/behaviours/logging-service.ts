import type { BehaviourFactory } from '../behaviour.ts';

/** logging-service: accepts log records (no flow calls it: the seed names it in the scrape config only). */
export const loggingService: BehaviourFactory = () => ({
  peers: [],
  operations: [
    {
      name: 'ingest',
      path: '/internal/ingest',
      handle(c) {
        const records = c.body['records'];
        if (!Array.isArray(records))
          return { status: 400, body: { error: 'missing "records"', field: 'records' } };
        c.logFields = { records: records.length };
        return { status: 200, body: { accepted: records.length } };
      },
    },
  ],
});
