/** Counters and latencies of one load run, and the result it prints (read back by the orchestrator). */
import { Schema } from "effect"
import type { Answer } from "./Answers.js"

export const LoadResult = Schema.Struct({
  mode: Schema.String,
  concurrency: Schema.Number,
  elapsed_s: Schema.Number,
  requests: Schema.Number,
  requests_per_s: Schema.Number,
  /** Envelopes the server answered for (stored or duplicate). */
  envelopes: Schema.Number,
  envelopes_per_s: Schema.Number,
  inserted: Schema.Number,
  duplicates: Schema.Number,
  rejected: Schema.Number,
  /** A new envelope answered as duplicate, or a resent one answered as new. */
  dedupe_mismatches: Schema.Number,
  latency_ms: Schema.Struct({ p50: Schema.Number, p99: Schema.Number, max: Schema.Number }),
  /** Failed requests by label ("429 Overloaded", "rpc Unavailable", "network ECONNRESET"). */
  errors: Schema.Record({ key: Schema.String, value: Schema.Number })
})
export type LoadResult = typeof LoadResult.Type

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

export class Accumulator {
  private latencies = new Float64Array(1 << 16)
  private count = 0
  envelopes = 0
  inserted = 0
  duplicates = 0
  rejected = 0
  mismatches = 0
  readonly errors: Record<string, number> = {}

  /** Records one request: its latency and what was answered for `expectDuplicate` (per envelope). */
  record(latencyMs: number, answer: Answer, expectDuplicate: ReadonlyArray<boolean>): void {
    if (this.count === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2)
      grown.set(this.latencies)
      this.latencies = grown
    }
    this.latencies[this.count++] = latencyMs
    if (answer._tag === "Failed") {
      this.errors[answer.label] = (this.errors[answer.label] ?? 0) + 1
      return
    }
    answer.items.forEach((item, i) => {
      if (item === "rejected") return void this.rejected++
      this.envelopes++
      if (item) this.duplicates++
      else this.inserted++
      if (item !== expectDuplicate[i]) this.mismatches++
    })
  }

  /** Counts a request that got no HTTP answer at all. */
  failed(latencyMs: number, label: string): void {
    this.record(latencyMs, { _tag: "Failed", label }, [])
  }

  result(mode: string, concurrency: number, elapsedS: number): LoadResult {
    const sorted = this.latencies.slice(0, this.count).sort()
    return {
      mode,
      concurrency,
      elapsed_s: round(elapsedS, 3),
      requests: this.count,
      requests_per_s: round(this.count / elapsedS, 1),
      envelopes: this.envelopes,
      envelopes_per_s: round(this.envelopes / elapsedS, 1),
      inserted: this.inserted,
      duplicates: this.duplicates,
      rejected: this.rejected,
      dedupe_mismatches: this.mismatches,
      latency_ms: {
        p50: round(percentile(sorted, 50)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted[sorted.length - 1] ?? 0)
      },
      errors: this.errors
    }
  }
}
