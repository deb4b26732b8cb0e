/** Token secrets: `sw_<env>_<43 base64url chars>` from 32 random bytes; only the SHA-256 is kept. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

export const generateSecret = (env: string): Redacted.Redacted<string> =>
  Redacted.make(`sw_${env}_${randomBytes(32).toString("base64url")}`)

export const generateId = (): string => `tk_${randomBytes(6).toString("hex")}`

export const hashOf = (secret: Redacted.Redacted<string>): string =>
  createHash("sha256").update(Redacted.value(secret), "utf8").digest("hex")

/** Constant-time comparison of two hex digests of equal length. */
export const sameHash = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"))

/** A plausible token shape; anything else is rejected before touching the database. */
export const looksLikeToken = (secret: Redacted.Redacted<string>): boolean =>
  /^sw_[a-z0-9]{1,16}_[A-Za-z0-9_-]{43,}$/.test(Redacted.value(secret))
