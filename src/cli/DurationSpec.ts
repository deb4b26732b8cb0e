/** Human durations for the CLI: `90d`, `12h`, `30m`, `45s`, `2w`; `never` means no expiry. */
import { Either } from "effect"

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

export const parse = (spec: string): Either.Either<number | "never", string> => {
  const s = spec.trim().toLowerCase()
  if (s === "never") return Either.right("never")
  const m = /^(\d+)\s*([smhdw])$/.exec(s)
  if (m === null || m[1] === undefined || m[2] === undefined || Number(m[1]) === 0) {
    return Either.left(`"${spec}" is not a duration: use a positive number with s, m, h, d or w (e.g. 90d), or "never"`)
  }
  return Either.right(Number(m[1]) * UNIT_MS[m[2]]!)
}
