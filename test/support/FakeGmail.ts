/**
 * A local Gmail API + Google OAuth server on one real socket (node:http, port 0), speaking the formats
 * of `../shared/corpus/gmail`: the Gmail endpoints (FakeGmailEndpoints) over a mailbox built from corpus
 * shapes (FakeGmailMailbox), Google's token and authorization endpoints and a JWKS (FakeGoogleOAuth).
 * Every Gmail call needs a valid bearer token, else Google's 401. Faults: `failNext` (any status, body,
 * Retry-After, or no answer at all), revoked access or refresh tokens; every request is logged.
 */
import { Effect } from "effect"
import * as Http from "node:http"
import {
  defaultError,
  type Endpoint,
  type EndpointOptions,
  GmailEndpoints,
  googleError,
  ok,
  UNAUTHENTICATED
} from "./FakeGmailEndpoints.js"
import type { AddedMessage, AddMessage, Json } from "./FakeGmailMailbox.js"
import { type Answer, type AuthorizationCodeRequest, FakeGoogleOAuth, type OAuthOptions, type PushTokenClaims } from "./FakeGoogleOAuth.js"

export { type AddedMessage, type AddMessage, corpus, type Shape, SHAPES, TINY_PNG } from "./FakeGmailMailbox.js"
export { type Endpoint, googleError, NOT_FOUND, UNAUTHENTICATED } from "./FakeGmailEndpoints.js"
export { GMAIL_READONLY_SCOPE, type PushTokenClaims } from "./FakeGoogleOAuth.js"

export interface Fault {
  readonly status: number
  /** Default: Google's body for that status (an OAuth error body on "token"); a string is sent as is. */
  readonly body?: Json | string
  /** `Retry-After`: seconds, or a string sent verbatim (an HTTP date). */
  readonly retryAfter?: number | string
  /** Never answer (the request stays open until `close`): for timeout tests. */
  readonly hang?: boolean
}

export interface FakeGmailOptions extends OAuthOptions, EndpointOptions {}

export interface LoggedRequest {
  readonly endpoint: Endpoint | "unknown"
  readonly httpMethod: string
  readonly path: string
  readonly query: URLSearchParams
  readonly bearer: string | undefined
  status: number
}

const MAX_BODY = 1024 * 1024

export class FakeGmailServer extends GmailEndpoints {
  readonly server: Http.Server
  readonly requests: Array<LoggedRequest> = []
  readonly faults = new Map<Endpoint, Array<Fault>>()
  private readonly waiters: Array<{ endpoint: Endpoint; n: number; resolve: () => void }> = []

  constructor(readonly oauth: FakeGoogleOAuth, options: FakeGmailOptions) {
    super(options)
    this.server = Http.createServer((req, res) => void this.handle(req, res))
  }

  /** The Gmail API base URL (GMAIL_API_BASE_URL). */
  get url() {
    const address = this.server.address()
    return typeof address === "object" && address !== null ? `http://127.0.0.1:${address.port}` : ""
  }
  /** GOOGLE_OAUTH_TOKEN_URL. */
  get tokenUrl() {
    return `${this.url}/token`
  }
  /** GOOGLE_OAUTH_AUTH_URL: the consent page. */
  get authUrl() {
    return `${this.url}/o/oauth2/v2/auth`
  }
  /** The OIDC JWKS that verifies `signPushToken` tokens. */
  get jwksUrl() {
    return `${this.url}/oauth2/v3/certs`
  }

  listen = () => new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve))
  close = () =>
    new Promise<void>((resolve) => {
      this.server.closeAllConnections()
      this.server.close(() => resolve())
    })

  addMessage = (options: AddMessage): AddedMessage => this.mailbox.addMessage(options)
  expireHistoryBefore = (historyId: number | string) => this.mailbox.expireHistoryBefore(historyId)
  revokeAccessTokens = () => this.oauth.revokeAccessTokens()
  issueAuthorizationCode = (request: AuthorizationCodeRequest) => this.oauth.issueAuthorizationCode(request)
  signPushToken = (claims: PushTokenClaims) => this.oauth.signPushToken(claims)

  /** The next `times` calls of `endpoint` answer `fault` (after being counted, before the token check). */
  failNext(endpoint: Endpoint, fault: Fault, times = 1) {
    this.faults.set(endpoint, [...(this.faults.get(endpoint) ?? []), ...Array.from({ length: times }, () => fault)])
  }

  /** Resolves once `n` requests have reached `endpoint` (e.g. a hanging call is in flight). */
  whenRequested(endpoint: Endpoint, n = 1): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ endpoint, n, resolve })
      this.wake()
    })
  }

  private wake() {
    for (const w of [...this.waiters]) {
      if (this.count(w.endpoint) >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve()
      }
    }
  }

  /** How many requests reached `endpoint` (faults and 401s included). */
  count(endpoint: Endpoint): number {
    return this.requests.filter((r) => r.endpoint === endpoint).length
  }

  private route(method: string, path: string): { endpoint: Endpoint; params: Array<string> } | undefined {
    const gmail = /^\/gmail\/v1\/users\/([^/]+)\/(.+)$/.exec(path)
    if (gmail !== null) {
      const rest = gmail[2]!
      const table: Array<[string, RegExp, Endpoint]> = [
        ["GET", /^profile$/, "getProfile"],
        ["GET", /^history$/, "history.list"],
        ["GET", /^messages$/, "messages.list"],
        ["GET", /^messages\/([^/]+)$/, "messages.get"],
        ["GET", /^messages\/([^/]+)\/attachments\/([^/]+)$/, "messages.attachments.get"],
        ["POST", /^watch$/, "watch"],
        ["POST", /^stop$/, "stop"]
      ]
      for (const [m, re, endpoint] of table) {
        const match = re.exec(rest)
        if (m === method && match !== null) return { endpoint, params: [gmail[1]!, ...match.slice(1).map(decodeURIComponent)] }
      }
      return undefined
    }
    if (method === "POST" && path === "/token") return { endpoint: "token", params: [] }
    if (method === "GET" && path === "/o/oauth2/v2/auth") return { endpoint: "authorize", params: [] }
    if (method === "GET" && path === "/oauth2/v3/certs") return { endpoint: "jwks", params: [] }
    return undefined
  }

  private async handle(req: Http.IncomingMessage, res: Http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake")
    const route = this.route(req.method ?? "GET", url.pathname)
    const entry: LoggedRequest = {
      endpoint: route?.endpoint ?? "unknown",
      httpMethod: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      bearer: /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1],
      status: 0
    }
    const body = await this.readBody(req)
    this.requests.push(entry)
    const answer = this.answer(route, url, req, body)
    this.wake()
    if (answer === "hang") return
    entry.status = answer.status
    const isJson = typeof answer.body !== "string"
    res.writeHead(answer.status, {
      ...(answer.status === 204 ? {} : { "content-type": isJson ? "application/json; charset=UTF-8" : "text/plain; charset=utf-8" }),
      ...answer.headers
    })
    res.end(answer.status === 204 ? undefined : isJson ? JSON.stringify(answer.body, null, 2) : answer.body)
  }

  private async readBody(req: Http.IncomingMessage): Promise<string> {
    const chunks: Array<Buffer> = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size <= MAX_BODY) chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString("utf8")
  }

  private answer(
    route: { endpoint: Endpoint; params: Array<string> } | undefined,
    url: URL,
    req: Http.IncomingMessage,
    body: string
  ): Answer | "hang" {
    if (route === undefined) return { status: 404, body: "Not Found" }
    const fault = this.faults.get(route.endpoint)?.shift()
    if (fault?.hang === true) return "hang"
    if (fault !== undefined) {
      const fallback = route.endpoint === "token"
        ? { error: fault.status >= 500 ? "internal_failure" : "invalid_grant", error_description: "Injected fault" }
        : defaultError(fault.status)
      return {
        status: fault.status,
        body: fault.body ?? fallback,
        headers: fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) }
      }
    }
    const q = url.searchParams
    switch (route.endpoint) {
      case "token": {
        if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
          return { status: 400, body: { error: "invalid_request", error_description: "Invalid content type" } }
        }
        return this.oauth.tokenEndpoint(Object.fromEntries(new URLSearchParams(body)), req.headers.authorization)
      }
      case "authorize":
        return this.oauth.authorizationPage(Object.fromEntries(q))
      case "jwks":
        return ok(this.oauth.jwks())
      default:
        break
    }
    if (!this.oauth.checkBearer(req.headers.authorization)) {
      return {
        status: 401,
        body: UNAUTHENTICATED,
        headers: { "www-authenticate": "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"" }
      }
    }
    const [user, ...params] = route.params
    if (user !== "me" && user !== this.mailbox.emailAddress) {
      return { status: 403, body: googleError(403, "Delegation denied for " + this.mailbox.emailAddress, "forbidden", "PERMISSION_DENIED") }
    }
    return this.gmail(route.endpoint, params, q, body)
  }
}

/** A fake Gmail + Google OAuth server for one test scope. */
export const make = (options: FakeGmailOptions = {}) =>
  Effect.acquireRelease(
    Effect.flatMap(FakeGoogleOAuth.make(options), (oauth) =>
      Effect.promise(async () => {
        const fake = new FakeGmailServer(oauth, options)
        await fake.listen()
        return fake
      })),
    (fake) => Effect.promise(() => fake.close())
  )
