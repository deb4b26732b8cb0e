/**
 * RFC 3339 timestamps that Postgres `timestamptz` stores as they mean: the calendar date must exist
 * (no 2026-02-30), the year is 0001–9999, the offset is `Z` or at most ±15:59 (Postgres' limit), and the
 * instant in UTC stays inside years 0001–9999. `Date.parse` alone rolls 2026-02-30 over to March and
 * accepts offsets Postgres refuses, so the fields are checked one by one.
 */
import { Schema } from "effect"

const Rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

const MIN_MS = Date.parse("0001-01-01T00:00:00Z")
const MAX_MS = new Date("9999-12-31T23:59:59.999Z").getTime()

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/** Why `s` is not a storable RFC 3339 timestamp with an offset, or undefined when it is. */
export const timestampProblem = (s: string): string | undefined => {
  const m = Rfc3339.exec(s)
  if (m === null) return "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-22T10:00:00Z"
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (year < 1) return "year must be 0001 to 9999"
  if (month < 1 || month > 12) return `month ${m[2]} does not exist`
  if (day < 1 || day > daysInMonth(year, month)) return `day ${m[3]} does not exist in ${m[1]}-${m[2]}`
  if (hour > 23 || minute > 59 || second > 59) return "time must be 00:00:00 to 23:59:59 (leap seconds are not accepted)"
  if (m[8] === undefined) {
    const offsetHours = Number(m[10])
    const offsetMinutes = Number(m[11])
    if (offsetHours > 15 || offsetMinutes > 59) return "offset must be Z or between -15:59 and +15:59"
  }
  const ms = Date.parse(s)
  if (Number.isNaN(ms) || ms < MIN_MS || ms > MAX_MS) return "must lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in UTC"
  return undefined
}

/** An RFC 3339 timestamp that carries its offset (`Z` or `±hh:mm`); naive or impossible timestamps are rejected. */
export const Rfc3339Timestamp = Schema.String.pipe(
  Schema.filter((s) => {
    const problem = timestampProblem(s)
    return problem === undefined ? true : `${problem} (got ${JSON.stringify(s.slice(0, 40))})`
  }),
  Schema.annotations({
    identifier: "Rfc3339Timestamp",
    description: "RFC 3339 timestamp with offset (Z or ±hh:mm up to ±15:59), a real calendar date, years 0001–9999",
    arbitrary: () => (fc) =>
      fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true }).map((d) => d.toISOString())
  })
)
