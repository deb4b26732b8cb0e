/**
 * Body templates of action targets: a JSON object whose string values may hold `{{field}}` placeholders
 * filled from the routed request (`{"text": "{{normalized_text}}"}`). A template is checked when the target
 * is added: it must be an object, name only known fields, carry no `idempotency_key` (deliveries use their
 * webhook-id), and render, for a sample request, into a valid body of its action.
 */
import { Either } from "effect"
import type { ActionName } from "../domain/ActionCatalog.js"
import * as Validate from "./Validate.js"

/** The fields a placeholder may name. */
export const FIELDS = [
  "normalized_text",
  "sender_identity",
  "channel",
  "provider",
  "endpoint_identity",
  "request_id",
  "received_at",
  "observed_at",
  "external_event_id",
  "external_thread_id",
  "dedupe_key",
  "webhook_id",
  "target"
] as const
export type Field = (typeof FIELDS)[number]
export type Values = { readonly [F in Field]: string }

export const MAX_TEMPLATE_BYTES = 64 * 1024

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Every string in a JSON value, for checking placeholders. */
const strings = (value: unknown): ReadonlyArray<string> =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
    ? value.flatMap(strings)
    : isObject(value)
    ? Object.values(value).flatMap(strings)
    : []

/** The template with every placeholder replaced by its value. */
export const render = (template: unknown, values: Values): unknown =>
  typeof template === "string"
    ? template.replace(PLACEHOLDER, (_, name: string) => (name in values ? values[name as Field] : ""))
    : Array.isArray(template)
    ? template.map((v) => render(v, values))
    : isObject(template)
    ? Object.fromEntries(Object.entries(template).map(([k, v]) => [k, render(v, values)]))
    : template

/** Values that look like a real request, for checking a template at `targets add`. */
export const sample: Values = {
  normalized_text: "Sample message text",
  sender_identity: "sample-sender",
  channel: "telegram",
  provider: "telegram",
  endpoint_identity: "sample-bot",
  request_id: "01900000-0000-7000-8000-000000000001",
  received_at: "2026-01-01T00:00:00.000Z",
  observed_at: "2026-01-01T00:00:00.000Z",
  external_event_id: "1",
  external_thread_id: "1",
  dedupe_key: "event:telegram:telegram:sample-bot:1",
  webhook_id: "msg_019000000000700080000000000001_sample",
  target: "sample"
}

/** The parsed template, or one line naming what is wrong with it. */
export const parse = (action: ActionName, text: string): Either.Either<Record<string, unknown>, string> => {
  if (Buffer.byteLength(text, "utf8") > MAX_TEMPLATE_BYTES) return Either.left(`--template is larger than ${MAX_TEMPLATE_BYTES} bytes`)
  let template: unknown
  try {
    template = JSON.parse(text)
  } catch {
    return Either.left(`--template is not JSON: expected an object such as '{"text":"{{normalized_text}}"}'`)
  }
  if (!isObject(template)) return Either.left("--template must be a JSON object (the action's body)")
  if ("idempotency_key" in template) return Either.left("--template must not set idempotency_key: each delivery uses its webhook-id")
  const unknown = [...new Set(strings(template).flatMap((s) => [...s.matchAll(PLACEHOLDER)].map((m) => m[1]!)))]
    .filter((name) => !(FIELDS as ReadonlyArray<string>).includes(name))
  if (unknown.length > 0) {
    return Either.left(`--template names unknown fields: ${unknown.map((n) => `{{${n}}}`).join(", ")} (known: ${FIELDS.join(", ")})`)
  }
  return Either.match(Validate.call(action, render(template, sample)), {
    onLeft: (e) =>
      Either.left(`--template does not make a valid ${action} body: ${e.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`),
    onRight: () => Either.right(template)
  })
}
