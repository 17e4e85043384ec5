/** A health or readiness verdict with its reason, as /healthz and /readyz show it. */
export interface Check {
  readonly ok: boolean;
  readonly reason: string;
}
