/** The label of values beyond the bounded set: one series, however many a remote party makes up. */
export const otherLabel = '(other)';

/**
 * Label values a remote party chooses (the `x-transmesh-caller` of a peer): the first `max`
 * well-formed values keep their own label, every other value shares `(other)`, so no client can
 * grow the metric series (and the telemetry report) without bound.
 */
export class BoundedLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 256) {}

  label(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max || !/^[\w.-]{1,64}$/.test(value)) return otherLabel;
    this.seen.add(value);
    return value;
  }
}
