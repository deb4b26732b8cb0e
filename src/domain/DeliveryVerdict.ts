/** How a delivery target (or the network) answered one attempt; retry policy lives in src/delivery/RetryPolicy.ts. */
export type Verdict =
  | { readonly _tag: "Delivered"; readonly status: number }
  | {
    readonly _tag: "Transient"
    readonly status: number | null
    readonly error: string
    readonly retryAfterMs: number | null
  }
  | { readonly _tag: "Permanent"; readonly status: number | null; readonly error: string }
