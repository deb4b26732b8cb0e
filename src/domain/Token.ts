/** Token secrets: `sw_<env>_<43 base64url chars>` from 32 random bytes; only the SHA-256 is kept. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"
import { providersByChannel } from "./Envelope.js"

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

/**
 * Why a token scope can never match an envelope, or undefined when it can: a channel and a provider
 * must be known and belong together (the envelope's table), `*` matches anything.
 */
export const scopeProblem = (channel: string, provider: string): string | undefined => {
  const channels = Object.keys(providersByChannel)
  const providers: ReadonlyArray<string> = [...new Set(Object.values(providersByChannel).flat())]
  if (channel !== "*" && !channels.includes(channel)) return `--channel "${channel}" is not a channel (one of ${channels.join(", ")}, or *)`
  if (provider !== "*" && !providers.includes(provider)) return `--provider "${provider}" is not a provider (one of ${providers.join(", ")}, or *)`
  if (channel === "*" || provider === "*") return undefined
  const allowed: ReadonlyArray<string> = Object.entries(providersByChannel).find(([c]) => c === channel)?.[1] ?? []
  return allowed.includes(provider)
    ? undefined
    : `--provider "${provider}" never carries channel "${channel}" (allowed: ${allowed.join(", ")}): no envelope could use this token`
}
