/** Query parameters of the dashboard API and the UTC windows they stand for (pure). */
import { Either } from "effect"
import { ValidationError } from "../domain/Errors.js"
import type { FanoutPeriod, Period, WindowMeta } from "../domain/StatsApi.js"
import { DAY_MS, HOUR_MS, iso, truncDay, truncHour } from "./Buckets.js"

const invalid = (name: string, message: string) =>
  new ValidationError({ message: `${name} ${message}`, issues: [{ path: name, message }] })

const oneOf = <A extends string>(allowed: ReadonlyArray<A>, fallback: A) => (raw: string | undefined): Either.Either<A, ValidationError> => {
  if (raw === undefined || raw === "") return Either.right(fallback)
  const found = allowed.find((a) => a === raw)
  return found === undefined
    ? Either.left(invalid("period", `must be one of ${allowed.join(", ")} (got ${JSON.stringify(raw.slice(0, 20))})`))
    : Either.right(found)
}

export const parsePeriod = oneOf<Period>(["24h", "7d", "30d"], "24h")
export const parseFanoutPeriod = oneOf<FanoutPeriod>(["7d", "30d"], "7d")

export const DEFAULT_ERRORS_LIMIT = 50
export const MAX_ERRORS_LIMIT = 500

export const parseLimit = (raw: string | undefined): Either.Either<number, ValidationError> => {
  if (raw === undefined || raw === "") return Either.right(DEFAULT_ERRORS_LIMIT)
  const n = Number(raw)
  return /^\d+$/.test(raw) && n >= 1 && n <= MAX_ERRORS_LIMIT
    ? Either.right(n)
    : Either.left(invalid("limit", `must be a whole number from 1 to ${MAX_ERRORS_LIMIT} (got ${JSON.stringify(raw.slice(0, 20))})`))
}

/** A window [from, to) cut into buckets of one granularity. */
export interface Window {
  readonly period: string
  readonly granularity: "hour" | "day"
  readonly from: number
  readonly to: number
  /** bucket starts, oldest first */
  readonly buckets: ReadonlyArray<number>
}

const make = (period: string, granularity: "hour" | "day", to: number, count: number): Window => {
  const size = granularity === "hour" ? HOUR_MS : DAY_MS
  const from = to - count * size
  return { period, granularity, from, to, buckets: Array.from({ length: count }, (_, i) => from + i * size) }
}

/** 24h and 7d: hourly buckets up to and including the current hour; 30d: daily buckets up to and including today. */
export const windowOf = (period: Period, now: number): Window =>
  period === "24h"
    ? make(period, "hour", truncHour(now) + HOUR_MS, 24)
    : period === "7d"
    ? make(period, "hour", truncHour(now) + HOUR_MS, 168)
    : make(period, "day", truncDay(now) + DAY_MS, 30)

/** Fanout counts complete days only (it is rolled up after each day ends): the N days before today. */
export const fanoutWindowOf = (period: FanoutPeriod, now: number): Window =>
  make(period, "day", truncDay(now), period === "7d" ? 7 : 30)

/** Hours of the window that have begun by `now` (for averages per hour). */
export const elapsedHours = (w: Window, now: number): number => Math.max(1, (Math.min(now, w.to) - w.from) / HOUR_MS)

export const windowMeta = (w: Window, now: number): WindowMeta => ({
  generated_at: iso(now),
  period: w.period,
  granularity: w.granularity,
  from: iso(w.from),
  to: iso(w.to)
})
