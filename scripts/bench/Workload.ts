/**
 * What the load generator sends: every second envelope slot resends an envelope the server has
 * already stored (picked at random), the others are new and unique to the run. Before the first
 * acknowledgement there is nothing stored to resend: the first single-envelope requests are all new,
 * and the first batches resend envelopes from earlier in the same batch.
 */
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import type { Mode } from "./Answers.js"
import * as Envelopes from "./Envelopes.js"

export interface Request {
  readonly path: string
  readonly contentType: string
  readonly body: string
  /** Per envelope, in order: is it a resend (so the server must answer duplicate)? */
  readonly expectDuplicate: ReadonlyArray<boolean>
  readonly envelopes: ReadonlyArray<IngestEnvelopeInput>
}

export class Workload {
  private nextNew = 0
  private slot = 0
  private rpcId = 0
  private readonly stored: Array<IngestEnvelopeInput> = []

  constructor(
    private readonly mode: Mode,
    private readonly runId: string,
    private readonly batchSize: number
  ) {}

  /** A slot: new, or a resend of a stored envelope (or, in a batch before anything is stored, of an earlier one in it). */
  private pick(earlier: ReadonlyArray<IngestEnvelopeInput>): readonly [IngestEnvelopeInput, boolean] {
    const pool = this.stored.length > 0 ? this.stored : earlier
    return this.slot++ % 2 === 1 && pool.length > 0
      ? [pool[Math.floor(Math.random() * pool.length)]!, true]
      : [Envelopes.make(this.runId, this.nextNew++), false]
  }

  private rpcLine(tag: string, payload: unknown): string {
    return `${JSON.stringify({ _tag: "Request", id: String(++this.rpcId), tag, payload, headers: [] })}\n`
  }

  next(): Request {
    const count = this.mode === "rpc-batch" ? this.batchSize : 1
    const envelopes: Array<IngestEnvelopeInput> = []
    const expectDuplicate: Array<boolean> = []
    const fresh: Array<IngestEnvelopeInput> = []
    Array.from({ length: count }).forEach(() => {
      const [envelope, duplicate] = this.pick(fresh)
      envelopes.push(envelope)
      expectDuplicate.push(duplicate)
      if (!duplicate) fresh.push(envelope)
    })
    switch (this.mode) {
      case "rest":
        return { path: "/api/ingest", contentType: "application/json", body: JSON.stringify(envelopes[0]), expectDuplicate, envelopes }
      case "rpc":
        return { path: "/rpc", contentType: "application/ndjson", body: this.rpcLine("Ingest", envelopes[0]), expectDuplicate, envelopes }
      case "rpc-batch":
        return {
          path: "/rpc",
          contentType: "application/ndjson",
          body: this.rpcLine("IngestBatch", { envelopes }),
          expectDuplicate,
          envelopes
        }
    }
  }

  /** Remembers the envelopes the server stored as new, so later slots can resend them. */
  acknowledge(request: Request, stored: ReadonlyArray<boolean>): void {
    stored.forEach((isNew, i) => {
      const envelope = request.envelopes[i]
      if (isNew && !request.expectDuplicate[i] && envelope !== undefined) this.stored.push(envelope)
    })
  }
}
