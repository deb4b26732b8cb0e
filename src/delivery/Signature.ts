/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, the key is the base64 part of a `whsec_` secret,
 * and `webhook-signature` is `v1,` + base64(HMAC-SHA256).
 */
import { Either, Redacted } from "effect"
import { createHmac, randomBytes } from "node:crypto"

const PREFIX = "whsec_"
/** The spec asks for 24 to 64 random bytes. */
export const MIN_SECRET_BYTES = 24
export const MAX_SECRET_BYTES = 64

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** A new random secret (32 bytes) in `whsec_` form. */
export const generateSecret = (): Redacted.Redacted<string> =>
  Redacted.make(PREFIX + randomBytes(32).toString("base64"))

/** Checks a user-supplied secret: `whsec_` + base64 of 24 to 64 bytes. The message never contains the secret. */
export const validateSecret = (secret: string): Either.Either<Redacted.Redacted<string>, string> => {
  const body = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : undefined
  if (body === undefined || !BASE64.test(body) || body.length % 4 !== 0) {
    return Either.left(`--secret must be "whsec_" followed by base64 (e.g. from \`openssl rand -base64 32\`)`)
  }
  const bytes = Buffer.from(body, "base64").length
  return bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES
    ? Either.left(`--secret must decode to ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes (got ${bytes})`)
    : Either.right(Redacted.make(secret))
}

/** The HMAC key of a stored secret (the base64 after `whsec_`). */
export const keyOf = (secret: Redacted.Redacted<string>): Buffer => {
  const value = Redacted.value(secret)
  return Buffer.from(value.startsWith(PREFIX) ? value.slice(PREFIX.length) : value, "base64")
}

/** The `webhook-signature` header value for one attempt. */
export const sign = (key: Buffer, webhookId: string, timestampS: number, body: string): string =>
  "v1," + createHmac("sha256", key).update(`${webhookId}.${timestampS}.${body}`).digest("base64")

/** A short, non-reversible label for a secret, safe to print (`whsec_…` + 6 hex of its SHA-256 HMAC). */
export const fingerprint = (secret: Redacted.Redacted<string>): string =>
  "whsec_…" + createHmac("sha256", keyOf(secret)).update("switchboard-fingerprint").digest("hex").slice(0, 6)
