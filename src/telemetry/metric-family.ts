import { emptyHistogram, type HistogramSample, observeInto } from './histogram';
import { joinLines, labelText, type MetricType, writeHeader, writeHistogram, writeSample } from './exposition';

/**
 * Counters, gauges and histograms with labels, rendered as Prometheus text. The request path
 * touches them on every call, so an update is one string key and one Map look-up, and nothing is
 * escaped or formatted until a scrape (each series' label text is built once, then kept).
 *
 * Label values must come from a bounded set: names from the IDL, policies and discovery, codes,
 * or values passed through `BoundedLabels` (bounded-labels.ts) when a remote party picks them.
 */
export interface Series {
  readonly values: readonly string[];
  /** `labelText` of `values`, filled at the first scrape. */
  labels: string | undefined;
}

/** The Map key of a label set: plain concatenation with NUL, which no label value holds. */
function keyOf(values: readonly string[]): string {
  switch (values.length) {
    case 0:
      return '';
    case 1:
      return values[0];
    case 2:
      return values[0] + '\u0000' + values[1];
    case 3:
      return values[0] + '\u0000' + values[1] + '\u0000' + values[2];
    case 5:
      return values[0] + '\u0000' + values[1] + '\u0000' + values[2] + '\u0000' + values[3] + '\u0000' + values[4];
    default:
      return values.join('\u0000');
  }
}

export abstract class Family<S extends Series = Series> {
  protected readonly series = new Map<string, S>();
  abstract readonly type: MetricType;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  /** Lines of this family: HELP and TYPE, then every series; nothing while it has none. */
  render(out: string[]): void {
    // A family without labels is one series, shown from the start (a counter at 0).
    if (!this.labelNames.length) this.child([]);
    if (!this.series.size) return;
    writeHeader(out, this.name, this.type, this.help);
    for (const s of this.series.values()) this.write(out, s, (s.labels ??= labelText(this.labelNames, s.values)));
  }

  /** Drops every series (a gauge set replaced whole). */
  reset(): void {
    this.series.clear();
  }

  get size(): number {
    return this.series.size;
  }

  protected child(values: readonly string[]): S {
    const key = keyOf(values);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = this.create(values)));
    return s;
  }

  protected find(values: readonly string[]): S | undefined {
    return this.series.get(keyOf(values));
  }

  protected abstract create(values: readonly string[]): S;
  protected abstract write(out: string[], s: S, labels: string): void;
}

interface ValueSeries extends Series {
  value: number;
}

export class Counter extends Family<ValueSeries> {
  readonly type = 'counter';

  inc(...values: string[]): void {
    this.child(values).value++;
  }

  add(by: number, ...values: string[]): void {
    this.child(values).value += by;
  }

  /** A total kept elsewhere (the process's CPU time), taken over at scrape time. */
  set(total: number, ...values: string[]): void {
    this.child(values).value = total;
  }

  /** The current count of one label set, 0 when it never counted. */
  value(...values: string[]): number {
    return this.find(values)?.value ?? 0;
  }

  protected create(values: readonly string[]): ValueSeries {
    return { values, labels: undefined, value: 0 };
  }

  protected write(out: string[], s: ValueSeries, labels: string): void {
    writeSample(out, this.name, labels, s.value);
  }
}

export class Gauge extends Family<ValueSeries> {
  readonly type = 'gauge';

  set(v: number, ...values: string[]): void {
    this.child(values).value = v;
  }

  value(...values: string[]): number | undefined {
    return this.find(values)?.value;
  }

  protected create(values: readonly string[]): ValueSeries {
    return { values, labels: undefined, value: 0 };
  }

  protected write(out: string[], s: ValueSeries, labels: string): void {
    writeSample(out, this.name, labels, s.value);
  }
}

export interface HistogramSeries extends Series, HistogramSample {}

export class Histogram extends Family<HistogramSeries> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    /** Upper bounds of the buckets, ascending; `+Inf` is implied. */
    readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  observe(v: number, ...values: string[]): void {
    observeInto(this.child(values), this.bounds, v);
  }

  /** The series as they stand (live objects: copy what must not change). */
  entries(): IterableIterator<HistogramSeries> {
    return this.series.values();
  }

  protected create(values: readonly string[]): HistogramSeries {
    return { values, labels: undefined, ...emptyHistogram(this.bounds) };
  }

  protected write(out: string[], s: HistogramSeries, labels: string): void {
    writeHistogram(out, this.name, labels, s, this.bounds);
  }
}

/**
 * The families of one /metrics body in the order they are shown, and the hooks that refresh
 * values read at scrape time (quota windows, process figures) just before rendering.
 */
export class MetricSet {
  private readonly families: { render(out: string[]): void }[] = [];
  private readonly collectors: (() => void)[] = [];

  add<F extends { render(out: string[]): void }>(family: F): F {
    this.families.push(family);
    return family;
  }

  /** Runs `collect` before each render. */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  render(): string {
    for (const c of this.collectors) c();
    const out: string[] = [];
    for (const f of this.families) f.render(out);
    return joinLines(out);
  }
}
