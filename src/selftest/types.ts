/** The selftest report model (docs/cli.md: selftest/health JSON), shared by profiles, runner and reporters. */
export interface StepResult {
  name: string;
  ok: boolean;
  /** A check that could not apply here (ok stays true): its detail says why. */
  skipped: boolean;
  ms: number;
  detail: string | null;
}

export type Metrics = Record<string, number | null>;

export interface SelftestResult {
  device: string;
  profile: string;
  profileVersion: number;
  ok: boolean;
  steps: StepResult[];
  metrics: Metrics;
}

export interface SelftestReport {
  schemaVersion: 1;
  results: SelftestResult[];
}
