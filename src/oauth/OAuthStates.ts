/**
 * Pending Gmail consents (`oauth_states`). `begin` issues a random state (stored only as its SHA-256),
 * a browser nonce for the HttpOnly cookie (stored as its SHA-256) and a PKCE verifier (kept in the
 * secret store, removed once used); `complete` checks, in this order, that the state is known, unused,
 * unexpired, and presented by the browser that started it, and only then marks it used (atomically:
 * one success per state). Rows are pruned a day after they expire. Time comes from Clock.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Data, Effect, Option, Redacted } from "effect"
import { SecretStore } from "../../services/SecretStore.js"
import * as SqlFailure from "../../layers/Database/SqlFailure.js"
import { randomToken, sha256, STATE_TTL_MS } from "./GmailOAuth.js"

const PRUNE_AFTER_MS = 24 * 60 * 60 * 1000
const VERIFIER = "code_verifier"

/** The database holding the states could not be reached. */
export class OAuthStatesUnavailable extends Data.TaggedError("OAuthStatesUnavailable")<{ readonly message: string }> {}

export type StateProblem = "unknown" | "used" | "expired" | "cookie_missing" | "cookie_mismatch"

/** The callback's state cannot complete a consent; `problem` says which check failed. */
export class StateRefused extends Data.TaggedError("StateRefused")<{ readonly problem: StateProblem }> {}

export interface Begun {
  readonly state: Redacted.Redacted<string>
  readonly browserNonce: Redacted.Redacted<string>
  readonly verifier: Redacted.Redacted<string>
  readonly expiresAt: Date
}

export interface Completed {
  readonly endpoint: string
  readonly tokenId: string
  readonly redirectUri: string
  readonly verifier: Redacted.Redacted<string>
}

interface Row {
  readonly state_sha256: string
  readonly token_id: string
  readonly endpoint_identity: string
  readonly browser_sha256: string
  readonly verifier_owner: string
  readonly redirect_uri: string
  readonly expires_at: Date
  readonly used_at: Date | null
}

const guard = SqlFailure.guard((reason) => new OAuthStatesUnavailable({ message: `oauth states: ${reason}` }))

const verifierOwner = (stateHash: string) => `oauth:state:${stateHash}`

/** Drops states that expired more than a day ago, and any verifier they still hold. */
const prune = (now: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const store = yield* SecretStore
    const gone = yield* sql<{ readonly verifier_owner: string }>`
      DELETE FROM oauth_states WHERE expires_at < ${new Date(now - PRUNE_AFTER_MS)} RETURNING verifier_owner`.pipe(guard)
    yield* Effect.forEach(gone, (r) => store.remove(r.verifier_owner), { discard: true })
  })

export const begin = (p: { readonly tokenId: string; readonly endpoint: string; readonly redirectUri: string }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const store = yield* SecretStore
    const now = yield* Clock.currentTimeMillis
    yield* prune(now)
    const state = randomToken()
    const browserNonce = randomToken()
    const verifier = randomToken()
    const stateHash = sha256(state)
    const expiresAt = new Date(now + STATE_TTL_MS)
    // One transaction (the Postgres secret store runs on the same connection): no row without its verifier.
    yield* sql.withTransaction(Effect.zipRight(
      store.put(verifierOwner(stateHash), VERIFIER, verifier),
      sql`INSERT INTO oauth_states ${
        sql.insert({
          state_sha256: stateHash,
          token_id: p.tokenId,
          endpoint_identity: p.endpoint,
          browser_sha256: sha256(browserNonce),
          verifier_owner: verifierOwner(stateHash),
          redirect_uri: p.redirectUri,
          created_at: new Date(now),
          expires_at: expiresAt
        })
      }`
    )).pipe(guard)
    return { state, browserNonce, verifier, expiresAt } satisfies Begun
  }).pipe(Effect.withSpan("OAuthStates.begin"))

/** Checks and uses up a state (the values were shape-checked by the caller). */
export const complete = (p: { readonly state: Redacted.Redacted<string>; readonly browserNonce: Option.Option<Redacted.Redacted<string>> }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const store = yield* SecretStore
    const now = yield* Clock.currentTimeMillis
    const stateHash = sha256(p.state)
    const rows = yield* sql<Row>`SELECT * FROM oauth_states WHERE state_sha256 = ${stateHash}`.pipe(guard)
    const row = rows[0]
    if (row === undefined) return yield* new StateRefused({ problem: "unknown" })
    if (row.used_at !== null) return yield* new StateRefused({ problem: "used" })
    if (row.expires_at.getTime() <= now) return yield* new StateRefused({ problem: "expired" })
    if (Option.isNone(p.browserNonce)) return yield* new StateRefused({ problem: "cookie_missing" })
    if (sha256(p.browserNonce.value) !== row.browser_sha256) return yield* new StateRefused({ problem: "cookie_mismatch" })
    const used = yield* sql`UPDATE oauth_states SET used_at = ${new Date(now)}
      WHERE state_sha256 = ${stateHash} AND used_at IS NULL RETURNING state_sha256`.pipe(guard)
    if (used.length === 0) return yield* new StateRefused({ problem: "used" })
    const verifier = yield* store.get(row.verifier_owner, VERIFIER)
    yield* store.remove(row.verifier_owner)
    if (Option.isNone(verifier)) return yield* new StateRefused({ problem: "unknown" })
    return {
      endpoint: row.endpoint_identity,
      tokenId: row.token_id,
      redirectUri: row.redirect_uri,
      verifier: verifier.value
    } satisfies Completed
  }).pipe(Effect.withSpan("OAuthStates.complete"))
