import { describe, expect, it } from 'vitest';
import { annotationProblems, labelProblems, templateLabels } from './alert-templates.ts';
import { catalogAlert } from './testing/catalog-alert.ts';

describe('annotationProblems and labelProblems', () => {
  const her = catalogAlert('HighErrorRate');
  const labels = { alertname: 'HighErrorRate', severity: 'warning', service: 'data-router' };
  const good = {
    summary: 'High error rate on data-router',
    description: 'Error rate is 20% for the last 5 minutes (threshold: 5%)',
    runbook: her.runbook,
  };

  it('accepts fully rendered annotations', () => {
    expect(annotationProblems(her, labels, good)).toEqual([]);
  });

  it('names leftover templates, empty annotations, wrong values and drift from the catalog', () => {
    expect(
      annotationProblems(her, labels, { ...good, summary: 'High error rate on {{ $labels.service }}' }),
    ).toEqual(['annotation summary was not rendered: "High error rate on {{ $labels.service }}"']);
    expect(annotationProblems(her, labels, { ...good, runbook: '' })).toEqual([
      'annotation runbook is empty',
    ]);
    expect(annotationProblems(her, labels, { ...good, summary: 'High error rate on executor' })).toEqual([
      'annotation summary shows "executor" where {{ $labels.service }} should be "data-router"',
    ]);
    expect(annotationProblems(her, labels, { ...good, summary: 'High error rate on <no value>' })).toEqual([
      'annotation summary is "High error rate on <no value>": empty where the template has {{ $labels.service }}',
    ]);
    expect(annotationProblems(her, labels, { ...good, summary: 'Errors!' })[0]).toMatch(
      /not the catalog's template/,
    );
  });

  it('names missing and wrong labels', () => {
    expect(
      labelProblems(her, { alertname: 'HighErrorRate', severity: 'critical' }, { service: 'data-router' }),
    ).toEqual(['label severity="critical" (expected "warning")', 'label service is missing']);
  });

  it('compares every form of a printed label, not only $labels.x', () => {
    const indexed = {
      ...her,
      annotations: { ...her.annotations, summary: 'High error rate on {{ index $labels "service" }}' },
    };
    expect(annotationProblems(indexed, labels, good)).toEqual([]);
    expect(annotationProblems(indexed, labels, { ...good, summary: 'High error rate on executor' })).toEqual([
      'annotation summary shows "executor" where {{ index $labels "service" }} should be "data-router"',
    ]);
  });
});

describe('templateLabels', () => {
  it('reads the labels an annotation template uses', () => {
    expect(
      templateLabels(
        '{{ $labels.service }} on {{ .Labels.instance }} {{ index $labels "job" }} {{ $value }}',
      ),
    ).toEqual(['service', 'instance', 'job']);
  });
});
