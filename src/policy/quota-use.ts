/** One quota of a current policy with its count in the current window (`transmesh quota ls`, the dashboard). */
export interface QuotaUse {
  service: string;
  caller: string;
  methods: string[];
  per: string;
  used: number;
  limit: number;
  /** When the current window ends, ms since the epoch. */
  windowEnd: number;
}
