/**
 * A receiver-side verifier written from the Standard Webhooks spec (independent of src/delivery):
 * signed content `${webhook-id}.${webhook-timestamp}.${body}`, key = base64 decode of the part after
 * `whsec_`, `webhook-signature` = space-separated `v1,<base64 HMAC-SHA256>` entries, timestamp
 * within a tolerance of now, constant-time comparison.
 */
import { createHmac, timingSafeEqual } from "node:crypto"

export type VerifyResult = "ok" | "missing-headers" | "timestamp-out-of-tolerance" | "bad-signature"

export const verify = (
  secret: string,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300
): VerifyResult => {
  const one = (name: string) => {
    const v = headers[name]
    return typeof v === "string" ? v : undefined
  }
  const id = one("webhook-id")
  const timestamp = one("webhook-timestamp")
  const signatures = one("webhook-signature")
  if (id === undefined || timestamp === undefined || signatures === undefined) return "missing-headers"
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) {
    return "timestamp-out-of-tolerance"
  }
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64")
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest()
  const matches = signatures.split(" ").some((entry) => {
    const comma = entry.indexOf(",")
    if (comma < 0 || entry.slice(0, comma) !== "v1") return false
    const given = Buffer.from(entry.slice(comma + 1), "base64")
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  return matches ? "ok" : "bad-signature"
}
