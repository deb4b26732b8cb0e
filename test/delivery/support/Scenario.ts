/** Helpers for delivery tests over a real hub: targets, routes, ingest, and reading the inbox/outbox back. */
import { SqlClient } from "@effect/sql"
import { Effect, Option, Redacted } from "effect"
import type { IngestEnvelopeInput } from "../../../src/domain/Envelope.js"
import type { Principal } from "../../../src/domain/Principal.js"
import * as Signature from "../../../src/delivery/Signature.js"
import { Ingest } from "../../../services/Ingest.js"
import { Router } from "../../../services/Router.js"
import { type NewRule, RoutingStore } from "../../../services/RoutingStore.js"
import * as Wait from "./Wait.js"

export const admin: Principal = { token_id: "test", channel: "*", provider: "*", endpoint_identity: "*", role: "admin", tenant: "default" }

export interface EnvelopeOptions {
  readonly endpoint: string
  readonly thread?: string | null
  readonly text?: string
  readonly sender?: string
}

export const envelope = (id: string, o: EnvelopeOptions): IngestEnvelopeInput => ({
  schema_version: "ingest.v1",
  source: { channel: "sandbox", provider: "sandbox", endpoint_identity: o.endpoint },
  event: { external_event_id: id, external_thread_id: o.thread ?? null, observed_at: "2026-11-20T10:00:00Z" },
  sender: { identity: o.sender ?? "user-1" },
  payload: { raw: { id }, normalized_text: o.text ?? `message ${id}` }
})

/** Adds a target with a fresh secret; answers the secret (for verifying signatures). */
export const addTarget = (name: string, url: string) =>
  Effect.gen(function*() {
    const secret = Signature.generateSecret()
    yield* (yield* RoutingStore).addTarget({ name, url, secret })
    return Redacted.value(secret)
  }).pipe(Effect.orDie)

const anyRule: NewRule = {
  priority: 100,
  channel: null,
  provider: null,
  endpoint_identity: null,
  sender_identity: null,
  text_pattern: null,
  ignore_case: false,
  stop: false,
  target: ""
}

export const addRoute = (rule: Partial<NewRule> & { readonly target: string }) =>
  Effect.flatMap(RoutingStore, (s) => s.addRule({ ...anyRule, ...rule })).pipe(Effect.orDie)

/** Makes routing changes visible to ingest now (instead of after the refresh interval). */
export const refresh = Effect.flatMap(Router, (r) => r.refresh).pipe(Effect.orDie)

/** Ingests one envelope through the ingest use case; answers its request_id. */
export const ingest = (e: IngestEnvelopeInput) =>
  Effect.flatMap(Ingest, (i) => i.accept(e, admin)).pipe(Effect.map((a) => a.request_id), Effect.orDie)

export interface Outcome {
  readonly target: string
  readonly status: string
  readonly attempts: number
  readonly last_error: string | null
  readonly delivered_at: string | null
}

export interface InboxState {
  readonly lifecycle_state: string
  readonly dispatch_outcomes: ReadonlyArray<Outcome>
}

export const inboxState = (requestId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<InboxState>`SELECT lifecycle_state, dispatch_outcomes FROM message_inbox WHERE request_id = ${requestId}`).pipe(
      Effect.map((rows) => rows[0]),
      Effect.flatMap((row) => (row === undefined ? Effect.dieMessage(`no inbox row ${requestId}`) : Effect.succeed(row))),
      Effect.orDie
    )

/** Waits until the request's lifecycle_state is `state`; answers the row. */
export const waitForState = (requestId: string, state: string) =>
  Wait.until(
    `request ${requestId} to become ${state}`,
    Effect.map(inboxState(requestId), (s) => (s.lifecycle_state === state ? Option.some(s) : Option.none()))
  )

export const outcomeOf = (s: InboxState, target: string): Outcome => {
  const o = s.dispatch_outcomes.find((d) => d.target === target)
  if (o === undefined) throw new Error(`no dispatch outcome for ${target}: ${JSON.stringify(s.dispatch_outcomes)}`)
  return o
}
