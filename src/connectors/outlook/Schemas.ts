/**
 * Mock Outlook's resource shapes (issue 11; the seed's messages, folders and contacts). A payload is
 * decoded with its type's schema (unknown fields refused), and every issue names its path.
 */
import { Effect, ParseResult, Schema } from "effect"
import type { Resource } from "../../../services/ConnectorResources.js"
import { ResourceInvalid } from "../../domain/ConnectorErrors.js"

export const RESOURCE_TYPES = ["messages", "folders", "contacts"] as const
export type OutlookType = (typeof RESOURCE_TYPES)[number]

const Email = Schema.String.pipe(
  Schema.maxLength(254),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an email address" })
)
const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255))

export const Message = Schema.Struct({
  id: Schema.String,
  to: Schema.Union(Email, Schema.Array(Email).pipe(Schema.minItems(1), Schema.maxItems(100))),
  subject: Schema.String.pipe(Schema.maxLength(998)),
  body: Schema.String.pipe(Schema.maxLength(32_768)),
  from: Schema.optional(Email),
  cc: Schema.optional(Schema.Array(Email).pipe(Schema.maxItems(100))),
  /** The folder id it is filed in (default `inbox`). */
  folder: Schema.optionalWith(Name, { default: () => "inbox" }),
  is_read: Schema.optionalWith(Schema.Boolean, { default: () => false })
}).annotations({ identifier: "OutlookMessage" })

export const Folder = Schema.Struct({
  id: Schema.String,
  name: Name,
  parent_id: Schema.optional(Schema.String)
}).annotations({ identifier: "OutlookFolder" })

export const Contact = Schema.Struct({
  id: Schema.String,
  name: Name,
  email: Email,
  phone: Schema.optional(Schema.String.pipe(Schema.maxLength(40)))
}).annotations({ identifier: "OutlookContact" })

const schemas = { messages: Message, folders: Folder, contacts: Contact } as const

const isOutlookType = (type: string): type is OutlookType => (RESOURCE_TYPES as ReadonlyArray<string>).includes(type)

/** The resource as stored (defaults filled in), or ResourceInvalid naming every bad path under `payload`. */
export const validate = (type: string, resource: Resource): Effect.Effect<Resource, ResourceInvalid> => {
  if (!isOutlookType(type)) {
    return Effect.fail(new ResourceInvalid({
      message: `resource_type: outlook serves ${RESOURCE_TYPES.join(", ")}`,
      issues: [{ path: "resource_type", message: `outlook serves ${RESOURCE_TYPES.join(", ")}` }]
    }))
  }
  const schema: Schema.Schema<Resource, unknown> = schemas[type] as unknown as Schema.Schema<Resource, unknown>
  return Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "error" })(resource).pipe(
    Effect.mapError((error) => {
      const all = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
        path: ["payload", ...i.path.map(String)].join("."),
        // The formatter's message can quote the value ("Expected …, actual "…""): keep only what was expected.
        message: i.message.replace(/, actual .*$/s, "").slice(0, 200)
      }))
      // A union (`to`: one address or a list) reports once per member: one issue per path is enough.
      const issues = all.filter((issue, i) => all.findIndex((other) => other.path === issue.path) === i)
      return new ResourceInvalid({ message: issues.map((i) => `${i.path}: ${i.message}`).join("; ").slice(0, 500), issues })
    })
  )
}
