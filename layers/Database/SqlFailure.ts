/**
 * How a failed query is reported. Three kinds, by SQLSTATE class:
 * - unavailable: the database is away, overloaded, shutting down or too slow (connection errors, timeouts,
 *   classes 08, 40, 53, 57, 58) — the caller may retry later (503);
 * - refused: the database refused the data of the statement (classes 22 data exception, 23 integrity,
 *   54 program limit such as an index entry that is too large, or a value the driver cannot serialise) —
 *   the input's fault, which a store can pin on one row;
 * - bug: anything else (syntax, undefined column, …) — a defect.
 */
import type { SqlError } from "@effect/sql"
import { Duration, Effect, Predicate } from "effect"

export type Kind = "unavailable" | "refused" | "bug"

const REFUSED_CLASSES = new Set(["22", "23", "54"])
const UNAVAILABLE_CLASSES = new Set(["08", "40", "53", "57", "58"])

const sqlStateOf = (cause: unknown): string | undefined => {
  if (typeof cause === "object" && cause !== null && "code" in cause) {
    const code = (cause as { readonly code: unknown }).code
    return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  }
  return undefined
}

/** What kind of failure this is (see the module comment). */
export const kindOf = (error: SqlError.SqlError): Kind => {
  const state = sqlStateOf(error.cause)
  if (state === undefined) {
    // The driver could not even encode the statement's values (e.g. a value JSON cannot serialise).
    return error.cause instanceof RangeError || error.cause instanceof TypeError ? "refused" : "unavailable"
  }
  const cls = state.slice(0, 2)
  return REFUSED_CLASSES.has(cls) ? "refused" : UNAVAILABLE_CLASSES.has(cls) ? "unavailable" : "bug"
}

/** True when the failure is the statement's fault rather than the database's availability. */
export const isStatementBug = (error: SqlError.SqlError): boolean => kindOf(error) !== "unavailable"

/**
 * A short, secret-free description of why the database call failed: the SQLSTATE and the server's
 * message without its DETAIL (which may quote the refused value), cut to 200 characters.
 */
export const describe = (error: SqlError.SqlError): string => {
  const state = sqlStateOf(error.cause)
  const cause = error.cause instanceof Error ? error.cause.message.split("\n")[0] ?? "" : ""
  return [error.message, state ? `SQLSTATE ${state}` : "", cause].filter((s) => s !== "").join(": ").slice(0, 200)
}

export const DEFAULT_QUERY_TIMEOUT = Duration.seconds(5)

/**
 * Bounds an effect by `timeout` and answers on time: the effect is disconnected, so a query stuck on
 * a frozen connection is interrupted in the background instead of holding the caller past its bound.
 */
export const within = <E>(timeout: Duration.DurationInput, onTimeout: () => E) =>
<A, E2, R>(effect: Effect.Effect<A, E2, R>): Effect.Effect<A, E | E2, R> =>
  Effect.disconnect(effect).pipe(Effect.timeoutFail({ duration: timeout, onTimeout }))

/**
 * Maps database failures to the service's "unavailable" error: connection problems and timeouts
 * become `onUnavailable(reason)`; refused data and statement bugs die (a store that can pin a refusal
 * on one row catches it first, see PgInboxStore).
 */
export const guard = <E>(onUnavailable: (reason: string) => E, timeout: Duration.DurationInput = DEFAULT_QUERY_TIMEOUT) =>
<A, E2, R>(effect: Effect.Effect<A, SqlError.SqlError | E2, R>): Effect.Effect<A, E | Exclude<E2, SqlError.SqlError>, R> =>
  effect.pipe(
    Effect.catchIf(
      (e): e is SqlError.SqlError => Predicate.isTagged(e, "SqlError"),
      (error) => kindOf(error) === "unavailable" ? Effect.fail(onUnavailable(describe(error))) : Effect.die(error)
    ),
    within(timeout, () => onUnavailable(`database did not answer within ${Duration.format(timeout)}`))
  )
