/** One valid call per action, and the provider answers a 4xx / a 5xx-or-429 are injected as (FakeProviders' wire formats). */
import type { Injected, Provider } from "../../actions/support/FakeProviders.js"
import * as Fake from "../../actions/support/FakeProviders.js"

export interface ActionCase {
  readonly connector: string
  readonly action: string
  /** The fake's provider the call lands on. */
  readonly provider: Provider
  readonly payload: Readonly<Record<string, unknown>>
  readonly answer: Readonly<Record<string, unknown>>
  /** A refusal and the provider code it carries. */
  readonly rejected: Injected
  readonly rejectedCode: string
  /** A "later" answer and the wait it asks for (ms). */
  readonly later: Injected
  readonly laterMs: number
  /** The variables the connector lacks in an empty environment. */
  readonly missing: ReadonlyArray<string>
}

/** Text that appears in the payloads only: no error may echo it. */
export const MARKER = "zz-payload-marker-41"

export const cases: ReadonlyArray<ActionCase> = [
  {
    connector: "slack",
    action: "slack.send",
    provider: "slack",
    payload: { text: `deploy finished ${MARKER}` },
    answer: { status: "sent" },
    rejected: { status: 400, body: "invalid_payload" },
    rejectedCode: "invalid_payload",
    later: { status: 503, body: "service_unavailable", headers: { "retry-after": "7" } },
    laterMs: 7000,
    missing: ["SLACK_WEBHOOK_URL"]
  },
  {
    connector: "notion",
    action: "notion.create",
    provider: "notion",
    payload: { database_id: Fake.NOTION_DATABASE, props: { Name: { title: [{ text: { content: MARKER } }] } } },
    answer: { status: "created" },
    rejected: { status: 400, body: { object: "error", status: 400, code: "validation_error", message: `bad ${MARKER}` } },
    rejectedCode: "validation_error",
    later: { status: 429, body: { object: "error", status: 429, code: "rate_limited", message: "slow down" }, headers: { "retry-after": "3" } },
    laterMs: 3000,
    missing: ["NOTION_API_KEY"]
  },
  {
    connector: "sheets",
    action: "sheets.append",
    provider: "sheets",
    payload: { range: "Sheet1!A1", values: [[MARKER, 1]] },
    answer: { status: "appended", updated: 2 },
    rejected: { status: 400, body: { error: { code: 400, message: `Unable to parse range ${MARKER}`, status: "INVALID_ARGUMENT" } } },
    rejectedCode: "INVALID_ARGUMENT",
    later: { status: 503, body: { error: { code: 503, message: "backend", status: "UNAVAILABLE" } }, headers: { "retry-after": "2" } },
    laterMs: 2000,
    missing: ["GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_SHEETS_SPREADSHEET_ID"]
  },
  {
    connector: "telegram",
    action: "telegram.send",
    provider: "telegram",
    payload: { text: `hello ${MARKER}` },
    answer: { status: "sent" },
    rejected: { status: 400, body: { ok: false, error_code: 400, description: `Bad Request: chat not found ${MARKER}` } },
    rejectedCode: "error_code_400",
    later: { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests", parameters: { retry_after: 5 } } },
    laterMs: 5000,
    missing: ["TELEGRAM_BOT_TOKEN"]
  },
  {
    connector: "email",
    action: "email.send",
    provider: "resend",
    payload: { to: "alice@example.com", subject: "Report", text: `body ${MARKER}` },
    answer: { status: "sent" },
    rejected: { status: 422, body: { statusCode: 422, message: `Invalid to ${MARKER}`, name: "validation_error" } },
    rejectedCode: "validation_error",
    later: { status: 500, body: { statusCode: 500, message: "oops", name: "internal_server_error" }, headers: { "retry-after": "1" } },
    laterMs: 1000,
    missing: ["RESEND_API_KEY", "RESEND_FROM"]
  }
]
