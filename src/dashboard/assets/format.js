// Formatting for people: counts, percentages, durations, ages and UTC timestamps.

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 })
const small = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 })

const isNumber = (n) => typeof n === "number" && Number.isFinite(n)

/** 12345 → "12,345"; missing → "–". */
export const count = (n) => (isNumber(n) ? integer.format(n) : "–")

/** 99.25 → "99.3 %", 0.03 → "0.03 %"; missing → "–". */
export const percent = (n) => (isNumber(n) ? `${(n > 0 && n < 1 ? small : decimal).format(n)} %` : "–")

/** 1.5 → "1.5"; missing → "–". */
export const rate = (n) => (isNumber(n) ? decimal.format(n) : "–")

/** Seconds → "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export const duration = (seconds) => {
  if (!isNumber(seconds) || seconds < 0) return "–"
  const s = Math.floor(seconds)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${m % 60} min`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}

/** Parses an RFC 3339 string to epoch milliseconds, or null. */
export const parseTime = (iso) => {
  if (typeof iso !== "string") return null
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? null : ms
}

/** "2026-11-20 14:05:09" (UTC, for columns whose heading says so); "never" when missing. */
export const utcPlain = (iso) => {
  const ms = parseTime(iso)
  return ms === null ? "never" : new Date(ms).toISOString().slice(0, 19).replace("T", " ")
}

/** "2026-11-20 14:05:09 UTC" */
export const utc = (iso) => (parseTime(iso) === null ? "never" : `${utcPlain(iso)} UTC`)

/** "2026-11-20" for the UTC day of a timestamp; "?" when missing. */
export const day = (iso) => (parseTime(iso) === null ? "?" : utcPlain(iso).slice(0, 10))

/** "14:05:09 UTC" for a Date. */
export const clockUtc = (date) => `${date.toISOString().slice(11, 19)} UTC`

/** How long before `nowMs` the timestamp was: "2 min ago", or "never". */
export const age = (iso, nowMs) => {
  const ms = parseTime(iso)
  if (ms === null) return "never"
  const seconds = Math.max(0, (nowMs - ms) / 1000)
  return `${duration(seconds)} ago`
}
