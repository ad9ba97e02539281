/** How the drills' messages write a duration and a label set. */

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export const renderLabels = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
