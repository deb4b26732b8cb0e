/**
 * One local HTTP server speaking the wire formats of the five action providers, errors included:
 * - Slack incoming webhook `POST /services/<T>/<B>/<secret>`: `200 ok` (text/plain), `400 invalid_payload`
 *   / `no_text`, `404 no_service` for an unknown hook;
 * - Notion `POST /v1/pages` (Bearer key, Notion-Version required): the page object, or
 *   `{object: "error", status, code, message}` (unauthorized, missing_version, validation_error, object_not_found);
 * - Google OAuth `POST /token` (JWT bearer grant; the JWT's RS256 signature, iss, aud and scope are verified
 *   with the service account's public key) and Sheets `POST /v4/spreadsheets/<id>/values/<range>:append`
 *   (valueInputOption required; a Bearer token it issued and that has not expired): `{spreadsheetId, tableRange,
 *   updates: {…, updatedCells}}`, or `{error: {code, message, status}}`;
 * - Telegram `POST /bot<token>/sendMessage`: `{ok: true, result: Message}`, or `{ok: false, error_code,
 *   description, parameters?}`;
 * - Resend `POST /emails` (Bearer key): `{id}`, or `{statusCode, message, name}`; an Idempotency-Key already
 *   seen answers the first answer without sending again.
 * `inject(provider, …)` makes the next calls answer something else (or never answer).
 */
import { Effect } from "effect"
import * as Http from "node:http"
import { randomBytes, randomUUID } from "node:crypto"
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from "jose"

export type Provider = "slack" | "notion" | "oauth" | "sheets" | "telegram" | "resend"

export interface Injected {
  readonly status?: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** Never answer (the client's timeout must end the call). */
  readonly hang?: boolean
}

export interface Call {
  readonly provider: Provider
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: unknown
  readonly raw: string
  readonly at: number
}

export const SLACK_PATH = "/services/T0SWTEST1/B0SWTEST2/zq7SlackHookSecret93kXw"
export const NOTION_KEY = "ntn_fake_notion_key_0123456789abcdef"
export const NOTION_DATABASE = "d9824bdc84454327be8b5b47500af6ce"
export const SPREADSHEET = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
export const TELEGRAM_TOKEN = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
export const TELEGRAM_CHAT = "218485655"
export const RESEND_KEY = "re_fake_123456789_abcdefghijklmnop"

export class FakeProviders {
  readonly server: Http.Server
  readonly calls: Array<Call> = []
  readonly injected = new Map<Provider, Array<Injected>>()
  /** Emails actually sent (an idempotent repeat sends none). */
  readonly emails: Array<unknown> = []
  /** Access tokens issued, with their expiry (ms). */
  readonly accessTokens = new Map<string, number>()
  private readonly resendKeys = new Map<string, { status: number; body: unknown }>()
  private readonly hanging = new Set<Http.ServerResponse>()
  /** Seconds an issued access token lives. */
  tokenLifetimeS = 3600
  /** Extra latency of every answer (benchmarks). */
  delayMs = 0

  private constructor(readonly account: { readonly json: string; readonly publicKey: string; readonly clientEmail: string }) {
    this.server = Http.createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 30_000
  }

  static async start(): Promise<FakeProviders> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true })
    const clientEmail = "switchboard-test@fake-project.iam.gserviceaccount.com"
    const json = JSON.stringify({
      type: "service_account",
      project_id: "fake-project",
      private_key_id: randomBytes(20).toString("hex"),
      private_key: await exportPKCS8(privateKey),
      client_email: clientEmail,
      client_id: "100000000000000000001",
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: "https://oauth2.googleapis.com/token"
    })
    const fake = new FakeProviders({ json, publicKey: await exportSPKI(publicKey), clientEmail })
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve))
    return fake
  }

  get url() {
    const address = this.server.address()
    return typeof address === "object" && address !== null ? `http://127.0.0.1:${address.port}` : ""
  }

  /** The environment that points every action at this fake. */
  env(): Record<string, string> {
    return {
      SLACK_WEBHOOK_URL: `${this.url}${SLACK_PATH}`,
      NOTION_API_KEY: NOTION_KEY,
      NOTION_API_BASE_URL: this.url,
      GOOGLE_SERVICE_ACCOUNT_JSON: Buffer.from(this.account.json).toString("base64"),
      GOOGLE_SHEETS_SPREADSHEET_ID: SPREADSHEET,
      GOOGLE_SHEETS_API_BASE_URL: this.url,
      GOOGLE_OAUTH_TOKEN_URL: `${this.url}/token`,
      TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      TELEGRAM_CHAT_ID_DEFAULT: TELEGRAM_CHAT,
      TELEGRAM_API_BASE_URL: this.url,
      RESEND_API_KEY: RESEND_KEY,
      RESEND_FROM: "Switchboard <hub@switchboard.test>",
      RESEND_API_BASE_URL: this.url
    }
  }

  inject(provider: Provider, ...answers: ReadonlyArray<Injected>) {
    this.injected.set(provider, [...(this.injected.get(provider) ?? []), ...answers])
  }

  callsTo(provider: Provider): ReadonlyArray<Call> {
    return this.calls.filter((c) => c.provider === provider)
  }

  close = () =>
    new Promise<void>((resolve) => {
      for (const res of this.hanging) res.destroy()
      this.server.closeAllConnections()
      this.server.close(() => resolve())
    })

  private providerOf(path: string): Provider | undefined {
    if (path.startsWith("/services/")) return "slack"
    if (path === "/v1/pages") return "notion"
    if (path === "/token") return "oauth"
    if (path.startsWith("/v4/spreadsheets/")) return "sheets"
    if (path.startsWith("/bot")) return "telegram"
    if (path === "/emails") return "resend"
    return undefined
  }

  private async handle(req: Http.IncomingMessage, res: Http.ServerResponse) {
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString("utf8")
    const url = new URL(req.url ?? "/", "http://fake")
    const provider = this.providerOf(url.pathname)
    let body: unknown = raw
    if ((req.headers["content-type"] ?? "").includes("application/json")) {
      try {
        body = JSON.parse(raw)
      } catch {
        body = raw
      }
    } else if ((req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) {
      body = Object.fromEntries(new URLSearchParams(raw).entries())
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs))
    const send = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
      const text = typeof answer === "string" ? answer : JSON.stringify(answer)
      res.writeHead(status, { "content-type": typeof answer === "string" ? "text/html" : "application/json; charset=utf-8", ...headers })
      res.end(text)
    }
    if (provider === undefined) return send(404, { error: "not found" })
    this.calls.push({ provider, path: url.pathname + url.search, headers: req.headers, body, raw, at: Date.now() })
    const injected = this.injected.get(provider)?.shift()
    if (injected !== undefined) {
      if (injected.hang === true) {
        this.hanging.add(res)
        return
      }
      return send(injected.status ?? 200, injected.body ?? "", injected.headers)
    }
    switch (provider) {
      case "slack":
        return this.slack(url.pathname, body, send)
      case "notion":
        return this.notion(req, body, send)
      case "oauth":
        return this.oauth(body, send)
      case "sheets":
        return this.sheets(req, url, body, send)
      case "telegram":
        return this.telegram(url.pathname, body, send)
      case "resend":
        return this.resend(req, body, send)
    }
  }

  private slack(path: string, body: unknown, send: Send) {
    if (path !== SLACK_PATH) return send(404, "no_service")
    if (typeof body !== "object" || body === null) return send(400, "invalid_payload")
    if (typeof (body as Json)["text"] !== "string" || (body as Json)["text"] === "") return send(400, "no_text")
    return send(200, "ok")
  }

  private notion(req: Http.IncomingMessage, body: unknown, send: Send) {
    const error = (status: number, code: string, message: string) =>
      send(status, { object: "error", status, code, message, request_id: randomUUID() })
    if (req.headers["authorization"] !== `Bearer ${NOTION_KEY}`) return error(401, "unauthorized", "API token is invalid.")
    if (req.headers["notion-version"] === undefined) {
      return error(400, "missing_version", "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.")
    }
    const parent = (body as Json)["parent"] as Json | undefined
    const properties = (body as Json)["properties"]
    if (typeof properties !== "object" || properties === null) {
      return error(400, "validation_error", "body failed validation: body.properties should be defined, instead was `undefined`.")
    }
    const database = String(parent?.["database_id"] ?? "").replace(/-/g, "")
    if (database !== NOTION_DATABASE) {
      return error(404, "object_not_found", `Could not find database with ID: ${String(parent?.["database_id"])}. Make sure the relevant pages and databases are shared with your integration.`)
    }
    const id = randomUUID()
    return send(200, {
      object: "page",
      id,
      created_time: new Date().toISOString(),
      last_edited_time: new Date().toISOString(),
      parent: { type: "database_id", database_id: parent?.["database_id"] },
      archived: false,
      properties,
      url: `https://www.notion.so/${id.replace(/-/g, "")}`
    })
  }

  private async oauth(body: unknown, send: Send) {
    const form = body as Record<string, string>
    if (form["grant_type"] !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return send(400, { error: "unsupported_grant_type", error_description: "Invalid grant_type." })
    }
    try {
      const key = await importSPKI(this.account.publicKey, "RS256")
      const { payload } = await jwtVerify(form["assertion"] ?? "", key, {
        issuer: this.account.clientEmail,
        audience: `${this.url}/token`
      })
      if (payload["scope"] !== "https://www.googleapis.com/auth/spreadsheets") {
        return send(400, { error: "invalid_scope", error_description: "Invalid OAuth scope or ID token audience provided." })
      }
    } catch {
      return send(400, { error: "invalid_grant", error_description: "Invalid JWT Signature." })
    }
    const token = `ya29.${randomBytes(24).toString("base64url")}`
    this.accessTokens.set(token, Date.now() + this.tokenLifetimeS * 1000)
    return send(200, { access_token: token, expires_in: this.tokenLifetimeS, token_type: "Bearer" })
  }

  private sheets(req: Http.IncomingMessage, url: URL, body: unknown, send: Send) {
    const error = (code: number, status: string, message: string) => send(code, { error: { code, message, status } })
    const token = (req.headers["authorization"] ?? "").replace(/^Bearer /, "")
    const expires = this.accessTokens.get(token)
    if (expires === undefined || expires <= Date.now()) {
      return error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
    }
    const match = /^\/v4\/spreadsheets\/([^/]+)\/values\/(.+):append$/.exec(url.pathname)
    if (match === null || decodeURIComponent(match[1]!) !== SPREADSHEET) return error(404, "NOT_FOUND", "Requested entity was not found.")
    if (url.searchParams.get("valueInputOption") === null) {
      return error(400, "INVALID_ARGUMENT", "'valueInputOption' is required but not specified")
    }
    const range = decodeURIComponent(match[2]!)
    const values = (body as Json)["values"]
    if (!Array.isArray(values)) return error(400, "INVALID_ARGUMENT", "Invalid values")
    const sheet = range.split("!")[0] ?? "Sheet1"
    const cells = values.reduce((n: number, row: unknown) => n + (Array.isArray(row) ? row.length : 0), 0)
    return send(200, {
      spreadsheetId: SPREADSHEET,
      tableRange: `${sheet}!A1:D3`,
      updates: {
        spreadsheetId: SPREADSHEET,
        updatedRange: `${sheet}!A4:D${3 + values.length}`,
        updatedRows: values.length,
        updatedColumns: Math.max(0, ...values.map((r: unknown) => (Array.isArray(r) ? r.length : 0))),
        updatedCells: cells
      }
    })
  }

  private telegram(path: string, body: unknown, send: Send) {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(path)
    if (match === null || match[1] !== TELEGRAM_TOKEN) return send(401, { ok: false, error_code: 401, description: "Unauthorized" })
    if (match[2] !== "sendMessage") return send(404, { ok: false, error_code: 404, description: "Not Found" })
    const chat = String((body as Json)["chat_id"] ?? "")
    if (chat !== TELEGRAM_CHAT) return send(400, { ok: false, error_code: 400, description: "Bad Request: chat not found" })
    const text = (body as Json)["text"]
    if (typeof text !== "string" || text === "") return send(400, { ok: false, error_code: 400, description: "Bad Request: message text is empty" })
    return send(200, {
      ok: true,
      result: {
        message_id: 1000 + this.callsTo("telegram").length,
        from: { id: 110201543, is_bot: true, first_name: "Switchboard", username: "switchboard_bot" },
        chat: { id: Number(chat), first_name: "Waffle", username: "WaffleLapkin", type: "private" },
        date: Math.floor(Date.now() / 1000),
        text
      }
    })
  }

  private resend(req: Http.IncomingMessage, body: unknown, send: Send) {
    const error = (statusCode: number, name: string, message: string) => send(statusCode, { statusCode, message, name })
    const auth = req.headers["authorization"]
    if (auth === undefined) return error(401, "missing_api_key", "Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY")
    if (auth !== `Bearer ${RESEND_KEY}`) return error(403, "invalid_api_key", "API key is invalid")
    const key = req.headers["idempotency-key"]
    const seen = typeof key === "string" ? this.resendKeys.get(key) : undefined
    if (seen !== undefined) return send(seen.status, seen.body)
    const b = body as Json
    const to = b["to"]
    if (typeof b["from"] !== "string" || !Array.isArray(to) || to.length === 0 || typeof b["subject"] !== "string") {
      return error(422, "validation_error", "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.")
    }
    const answer = { id: randomUUID() }
    this.emails.push(body)
    if (typeof key === "string") this.resendKeys.set(key, { status: 200, body: answer })
    return send(200, answer)
  }
}

type Json = Record<string, unknown>
type Send = (status: number, answer: unknown, headers?: Record<string, string>) => void

/** The fake for one test scope. */
export const make = Effect.acquireRelease(
  Effect.promise(() => FakeProviders.start()),
  (fake) => Effect.promise(() => fake.close())
)
