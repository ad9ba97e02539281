/**
 * k6 threshold expressions (`p(95)<300`, `rate<0.01`, `count<=3`), read and judged the same way by
 * the in-process engine (one process's metrics) and the merge (N runners' requests).
 */

export interface ThresholdExpression {
  /** `avg`, `min`, `max`, `med`, `count`, `rate`, `value` or `p(N)`. */
  aggregation: string;
  /** N of `p(N)`. */
  percentile?: number;
  operator: string;
  bound: number;
}

const EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** The expression's parts; undefined for one k6 would not read either. */
export function parseThresholdExpression(text: string): ThresholdExpression | undefined {
  const m = EXPRESSION.exec(text);
  if (m === null) return undefined;
  return {
    aggregation: m[1] ?? '',
    ...(m[2] === undefined ? {} : { percentile: Number(m[2]) }),
    operator: m[3] ?? '<',
    bound: Number(m[4]),
  };
}

/** Whether `value` satisfies the expression's comparison. */
export function thresholdHolds(value: number, { operator, bound }: ThresholdExpression): boolean {
  switch (operator) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '!=':
      return value !== bound;
    default:
      return value === bound;
  }
}
