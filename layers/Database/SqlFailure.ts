/**
 * How a failed query is reported: an unreachable or slow database is an "unavailable" error the
 * caller can retry; a query the database rejected as wrong (syntax, types, constraints) is a bug and
 * becomes a defect.
 */
import type { SqlError } from "@effect/sql"
import { Duration, Effect, Predicate } from "effect"

/** SQLSTATE classes that mean the statement itself is wrong, not that the database is away. */
const BUG_CLASSES = new Set(["22", "23", "42", "2B", "2F", "3F", "44"])

const sqlStateOf = (cause: unknown): string | undefined => {
  if (typeof cause === "object" && cause !== null && "code" in cause) {
    const code = (cause as { readonly code: unknown }).code
    return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  }
  return undefined
}

/** True when the failure is the statement's fault rather than the database's availability. */
export const isStatementBug = (error: SqlError.SqlError): boolean => {
  const state = sqlStateOf(error.cause)
  return state !== undefined && BUG_CLASSES.has(state.slice(0, 2))
}

/** A short, secret-free description of why the database call failed. */
export const describe = (error: SqlError.SqlError): string => {
  const state = sqlStateOf(error.cause)
  const cause = error.cause instanceof Error ? error.cause.message : ""
  return [error.message, state ? `SQLSTATE ${state}` : "", cause].filter((s) => s !== "").join(": ").slice(0, 300)
}

export const DEFAULT_QUERY_TIMEOUT = Duration.seconds(5)

/**
 * Maps database failures to the service's "unavailable" error: connection problems and timeouts
 * become `onUnavailable(reason)`, statement bugs die.
 */
export const guard = <E>(onUnavailable: (reason: string) => E, timeout: Duration.DurationInput = DEFAULT_QUERY_TIMEOUT) =>
<A, E2, R>(effect: Effect.Effect<A, SqlError.SqlError | E2, R>): Effect.Effect<A, E | Exclude<E2, SqlError.SqlError>, R> =>
  effect.pipe(
    Effect.catchIf(
      (e): e is SqlError.SqlError => Predicate.isTagged(e, "SqlError"),
      (error) => isStatementBug(error) ? Effect.die(error) : Effect.fail(onUnavailable(describe(error)))
    ),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => onUnavailable(`database did not answer within ${Duration.format(timeout)}`)
    })
  )
