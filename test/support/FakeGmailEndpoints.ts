/**
 * The Gmail endpoints of FakeGmail, behind the token check: getProfile, history.list (records after
 * startHistoryId, `historyTypes`, page size, nextPageToken, the corpus 404 below the retention floor),
 * messages.get, attachments.get, messages.list (`after:`/`before:`/`label:`/`in:`, newest first,
 * pages) and watch/stop; plus Google's JSON error bodies.
 */
import { type Json, Mailbox } from "./FakeGmailMailbox.js"
import type { Answer } from "./FakeGoogleOAuth.js"

export type Endpoint =
  | "getProfile"
  | "history.list"
  | "messages.get"
  | "messages.attachments.get"
  | "messages.list"
  | "watch"
  | "stop"
  | "token"
  | "authorize"
  | "jwks"

/** Google's JSON error body (`{"error": {code, message, errors: [{message, domain, reason}], status}}`). */
export const googleError = (code: number, message: string, reason: string, status: string, domain = "global"): Json => ({
  error: { code, message, errors: [{ message, domain, reason }], status }
})

export const defaultError = (status: number): Json => {
  switch (status) {
    case 400:
      return googleError(400, "Invalid argument", "invalidArgument", "INVALID_ARGUMENT")
    case 401:
      return UNAUTHENTICATED
    case 403:
      return googleError(403, "User-rate limit exceeded.", "userRateLimitExceeded", "PERMISSION_DENIED", "usageLimits")
    case 404:
      return NOT_FOUND
    case 429:
      return googleError(429, "Too many concurrent requests for user.", "rateLimitExceeded", "RESOURCE_EXHAUSTED")
    case 503:
      return googleError(503, "The service is currently unavailable.", "backendError", "UNAVAILABLE")
    default:
      return googleError(status, "Backend Error", "backendError", status >= 500 ? "INTERNAL" : "UNKNOWN")
  }
}

/** The corpus body for an unknown id and for a too-old startHistoryId. */
export const NOT_FOUND = googleError(404, "Requested entity was not found.", "notFound", "NOT_FOUND")
export const UNAUTHENTICATED: Json = {
  error: {
    code: 401,
    message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid " +
      "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError", location: "Authorization", locationType: "header" }],
    status: "UNAUTHENTICATED"
  }
}

export const invalid = (message: string): Answer => ({ status: 400, body: googleError(400, message, "invalidArgument", "INVALID_ARGUMENT") })
export const ok = (body: Json): Answer => ({ status: 200, body })

export interface EndpointOptions {
  /** Default "user@example.com". */
  readonly emailAddress?: string
  /** The mailbox's history id at start (default 88035, as the corpus profile). */
  readonly startHistoryId?: number
  /** Most records a history.list page returns, whatever maxResults says (default 100). */
  readonly historyPageSize?: number
  /** Most ids a messages.list page returns (default 100). */
  readonly listPageSize?: number
}

export class GmailEndpoints {
  readonly mailbox: Mailbox
  historyPageSize: number
  listPageSize: number
  /** `expiration` (epoch ms) of the next watch answers; default now + 7 days. */
  watchExpiresAt: number | undefined
  /** The body of every accepted watch call. */
  readonly watchCalls: Array<Json> = []
  stopCalls = 0
  private readonly pageTokens = new Map<string, { kind: "history" | "list"; position: number }>()
  private tokenSerial = 0

  constructor(options: EndpointOptions) {
    this.mailbox = new Mailbox(options.emailAddress ?? "user@example.com", options.startHistoryId ?? 88035)
    this.historyPageSize = options.historyPageSize ?? 100
    this.listPageSize = options.listPageSize ?? 100
  }

  protected gmail(endpoint: Endpoint, params: Array<string>, q: URLSearchParams, body: string): Answer {
    const box = this.mailbox
    switch (endpoint) {
      case "getProfile":
        return ok({
          emailAddress: box.emailAddress,
          messagesTotal: [...box.messages.values()].filter((m) => !m.deleted).length,
          threadsTotal: new Set([...box.messages.values()].filter((m) => !m.deleted).map((m) => m.message.threadId)).size,
          historyId: String(box.historyId)
        })
      case "history.list":
        return this.historyList(q)
      case "messages.list":
        return this.messagesList(q)
      case "messages.get": {
        const stored = box.find(params[0] ?? "")
        if (stored === undefined) return { status: 404, body: NOT_FOUND }
        const format = q.get("format") ?? "full"
        if (!["full", "metadata", "minimal", "raw"].includes(format)) return invalid(`Invalid value at 'format' (${format})`)
        return ok(box.render(stored, format, q.getAll("metadataHeaders")))
      }
      case "messages.attachments.get": {
        if (box.find(params[0] ?? "") === undefined) return { status: 404, body: NOT_FOUND }
        const bytes = box.attachments.get(params[1] ?? "")
        if (bytes === undefined) return invalid("Invalid attachment token")
        // padded base64url, as the corpus attachment answer
        return ok({ size: bytes.length, data: bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "_") })
      }
      case "watch": {
        let request: Json
        try {
          request = JSON.parse(body === "" ? "{}" : body) as Json
        } catch {
          return invalid("Invalid JSON payload received.")
        }
        if (typeof request["topicName"] !== "string" || request["topicName"] === "") return invalid("Invalid topicName")
        this.watchCalls.push(request)
        return ok({ historyId: String(box.historyId), expiration: String(this.watchExpiresAt ?? Date.now() + 7 * 86_400_000) })
      }
      case "stop":
        this.stopCalls++
        return { status: 204, body: "" }
      default:
        return { status: 404, body: "Not Found" }
    }
  }

  private mintPageToken(kind: "history" | "list", position: number): string {
    const token = String(10_000_000_000_000 + ++this.tokenSerial * 7_919)
    this.pageTokens.set(token, { kind, position })
    return token
  }

  private pagePosition(kind: "history" | "list", q: URLSearchParams): number | Answer {
    const token = q.get("pageToken")
    if (token === null) return -1
    const found = this.pageTokens.get(token)
    return found?.kind === kind ? found.position : invalid("Invalid pageToken")
  }

  private pageSize(q: URLSearchParams, cap: number): number {
    const asked = Number(q.get("maxResults") ?? 100)
    return Math.max(1, Math.min(cap, 500, Number.isInteger(asked) && asked > 0 ? asked : 100))
  }

  private historyList(q: URLSearchParams): Answer {
    const start = q.get("startHistoryId")
    if (start === null) return invalid("Missing required field startHistoryId")
    if (!/^\d{1,20}$/.test(start)) return invalid(`Invalid startHistoryId: ${start.slice(0, 40)}`)
    if (Number(start) < this.mailbox.historyFloor) return { status: 404, body: NOT_FOUND }
    const position = this.pagePosition("history", q)
    if (typeof position !== "number") return position
    const records = this.mailbox.historyAfter(Math.max(Number(start), position), q.getAll("historyTypes"))
    const page = records.slice(0, this.pageSize(q, this.historyPageSize))
    const last = page.at(-1)
    return ok({
      ...(page.length === 0 ? {} : { history: page }),
      ...(records.length > page.length && last !== undefined
        ? { nextPageToken: this.mintPageToken("history", Number(last["id"])) }
        : {}),
      historyId: String(this.mailbox.historyId)
    })
  }

  private messagesList(q: URLSearchParams): Answer {
    const filters: Array<(m: Json & { labelIds: Array<string>; internalDate: string }) => boolean> = []
    for (const term of (q.get("q") ?? "").split(/\s+/).filter((t) => t !== "")) {
      const match = /^(after|before|label|in):(\S+)$/i.exec(term)
      if (match === null) return invalid(`FakeGmail does not support the search term ${term.slice(0, 40)}`)
      const key = (match[1] ?? "").toLowerCase()
      const value = match[2] ?? ""
      if (key === "after" || key === "before") {
        if (!/^\d{1,12}$/.test(value)) return invalid(`FakeGmail supports only epoch seconds in ${key}:`)
        const ms = Number(value) * 1000
        filters.push(key === "after" ? (m) => Number(m.internalDate) >= ms : (m) => Number(m.internalDate) < ms)
      } else {
        filters.push((m) => m.labelIds.includes(value.toUpperCase()))
      }
    }
    if (q.get("includeSpamTrash") !== "true") filters.push((m) => !m.labelIds.some((l) => l === "SPAM" || l === "TRASH"))
    const matching = [...this.mailbox.messages.values()]
      .filter((s) => !s.deleted && filters.every((f) => f(s.message)))
      .map((s) => s.message)
      .sort((a, b) => Number(b.internalDate) - Number(a.internalDate) || (a.id < b.id ? 1 : -1))
    const position = this.pagePosition("list", q)
    if (typeof position !== "number") return position
    const offset = Math.max(0, position)
    const page = matching.slice(offset, offset + this.pageSize(q, this.listPageSize))
    return ok({
      ...(page.length === 0 ? {} : { messages: page.map((m) => ({ id: m.id, threadId: m.threadId })) }),
      ...(offset + page.length < matching.length ? { nextPageToken: this.mintPageToken("list", offset + page.length) } : {}),
      resultSizeEstimate: matching.length
    })
  }
}
