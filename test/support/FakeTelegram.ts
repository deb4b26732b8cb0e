/**
 * A local Bot API server speaking Telegram's wire format (the shapes of test/fixtures/telegram/api_*):
 * getUpdates with offset acknowledgement and long polling, 409 while a webhook is set or when a
 * second poller arrives, injected failures (429 with parameters.retry_after, 5xx), getFile and
 * downloads at /file/bot<token>/<path>, setWebhook / deleteWebhook / getWebhookInfo, and webhook
 * delivery with the secret header (an update is dropped only once the webhook answered 200).
 */
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"

export type Json = Record<string, unknown>

export interface Injected {
  readonly status: number
  readonly body: Json | string
  readonly headers?: Record<string, string>
}

const fixture = (name: string): Json =>
  JSON.parse(Fs.readFileSync(Path.resolve(import.meta.dirname, "../fixtures/telegram", name), "utf8")) as Json

const MAX_DOWNLOAD = 20 * 1024 * 1024

/** A text message update in the shape real private-chat updates have (test/fixtures/telegram/update_message_text.json). */
export const textUpdate = (updateId: number, text = `message ${updateId}`, chatId = 218485655): Json => ({
  update_id: updateId,
  message: {
    message_id: updateId,
    from: { id: chatId, is_bot: false, first_name: "Waffle", username: "WaffleLapkin", language_code: "en" },
    chat: { id: chatId, first_name: "Waffle", username: "WaffleLapkin", type: "private" },
    date: 1569518342 + updateId,
    text
  }
})

export class FakeTelegramServer {
  readonly server: Http.Server
  /** Pending (unconfirmed) updates, ascending update_id. */
  updates: Array<Json> = []
  webhook: { url: string; secret: string | undefined; allowed: ReadonlyArray<string> } | undefined
  readonly files = new Map<string, { path: string; bytes: Uint8Array }>()
  /** Every call by method name. */
  readonly calls = new Map<string, number>()
  /** When each method was first called (performance.now()). */
  readonly firstCallAt = new Map<string, number>()
  /** The `offset` of every getUpdates call, in order. */
  readonly offsets: Array<number | undefined> = []
  /** The `allowed_updates` of every getUpdates call that sent one. */
  readonly allowedUpdates: Array<ReadonlyArray<string>> = []
  /** The parameters of every deleteWebhook call, in order. */
  readonly deleteWebhookParams: Array<Json> = []
  readonly injected = new Map<string, Array<Injected>>()
  private waiting: { finish: (status: number, body: Json) => void; timer: NodeJS.Timeout; limit: number } | undefined
  private pushing = false
  /** Webhook deliveries the receiver did not answer 200 (Telegram keeps those updates and retries). */
  failedDeliveries = 0

  constructor(readonly token: string) {
    this.server = Http.createServer((req, res) => void this.handle(req, res))
  }

  get url() {
    const address = this.server.address()
    return typeof address === "object" && address !== null ? `http://127.0.0.1:${address.port}` : ""
  }

  listen = () => new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve))
  close = () =>
    new Promise<void>((resolve) => {
      this.waiting?.finish(200, { ok: true, result: [] })
      this.server.closeAllConnections()
      this.server.close(() => resolve())
    })

  /** A getUpdates long poll is waiting for updates right now. */
  get longPolling(): boolean {
    return this.waiting !== undefined
  }

  /** Queues updates (as Telegram would receive them) and wakes a waiting long poll or the webhook. */
  push(...updates: ReadonlyArray<Json>) {
    this.updates.push(...updates)
    this.updates.sort((a, b) => Number(a["update_id"]) - Number(b["update_id"]))
    if (this.waiting !== undefined) this.answerPoll(this.waiting.finish, this.waiting.limit)
    void this.deliver()
  }

  /** The next `method` call answers this instead. */
  inject(method: string, ...answers: ReadonlyArray<Injected>) {
    this.injected.set(method, [...(this.injected.get(method) ?? []), ...answers])
  }

  /** Registers a downloadable file; answers its file_id. */
  addFile(fileId: string, bytes: Uint8Array, path = `documents/file_${this.files.size}.bin`) {
    this.files.set(fileId, { path, bytes })
    return fileId
  }

  private count(method: string) {
    if (!this.calls.has(method)) this.firstCallAt.set(method, performance.now())
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
  }

  private async handle(req: Http.IncomingMessage, res: Http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake")
    const send = (status: number, body: Json | string | Uint8Array, headers: Record<string, string> = {}) => {
      if (res.headersSent) return
      const isBytes = body instanceof Uint8Array
      res.writeHead(status, { "content-type": isBytes ? "application/octet-stream" : "application/json", ...headers })
      res.end(isBytes ? body : typeof body === "string" ? body : JSON.stringify(body))
    }
    const fail = (code: number, description: string, extra: Json = {}) =>
      send(code, { ok: false, error_code: code, description, ...extra })
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname)
    if (file !== null) {
      this.count("downloadFile")
      const found = [...this.files.values()].find((f) => f.path === decodeURIComponent(file[2]!))
      if (file[1] !== this.token || found === undefined) return fail(404, "Not Found")
      return send(200, found.bytes, { "content-length": String(found.bytes.length) })
    }
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname)
    if (call === null) return fail(404, "Not Found")
    if (call[1] !== this.token) return fail(401, "Unauthorized")
    const method = call[2]!
    this.count(method)
    const params = await this.params(req, url)
    const injected = this.injected.get(method)?.shift()
    if (injected !== undefined) return send(injected.status, injected.body, injected.headers)
    switch (method) {
      case "getMe":
        return send(200, fixture("api_getMe_response.json"))
      case "getUpdates":
        return this.getUpdates(params, send)
      case "getFile": {
        const f = this.files.get(String(params["file_id"]))
        if (f === undefined) return fail(400, "Bad Request: invalid file_id")
        if (f.bytes.length > MAX_DOWNLOAD) return fail(400, "Bad Request: file is too big")
        const fileId = String(params["file_id"])
        return send(200, {
          ok: true,
          result: { file_id: fileId, file_unique_id: `u${fileId}`, file_size: f.bytes.length, file_path: f.path }
        })
      }
      case "setWebhook": {
        const allowed = Array.isArray(params["allowed_updates"]) ? params["allowed_updates"].map(String) : []
        const secret = params["secret_token"] === undefined ? undefined : String(params["secret_token"])
        this.webhook = { url: String(params["url"]), secret, allowed }
        if (params["drop_pending_updates"] === true) this.updates = []
        this.waiting?.finish(409, this.conflict("webhook"))
        send(200, fixture("api_setWebhook_response.json"))
        return void this.deliver()
      }
      case "deleteWebhook": {
        this.deleteWebhookParams.push(params)
        const had = this.webhook !== undefined
        this.webhook = undefined
        // Telegram takes booleans as JSON or as form/query text
        if (params["drop_pending_updates"] === true || params["drop_pending_updates"] === "true") this.updates = []
        return send(
          200,
          had ? fixture("api_deleteWebhook_response.json") : { ok: true, result: true, description: "Webhook is already deleted" }
        )
      }
      case "getWebhookInfo":
        return send(200, {
          ok: true,
          result: {
            url: this.webhook?.url ?? "",
            has_custom_certificate: false,
            pending_update_count: this.updates.length,
            ...(this.webhook === undefined ? {} : { max_connections: 40, allowed_updates: this.webhook.allowed })
          }
        })
      default:
        return fail(404, "Not Found")
    }
  }

  private conflict(why: "webhook" | "poller"): Json {
    return {
      ok: false,
      error_code: 409,
      description: why === "webhook"
        ? "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
        : "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    }
  }

  private getUpdates(params: Json, send: (status: number, body: Json) => void) {
    if (this.webhook !== undefined) return send(409, this.conflict("webhook"))
    const offset = params["offset"] === undefined ? undefined : Number(params["offset"])
    this.offsets.push(offset)
    if (Array.isArray(params["allowed_updates"])) this.allowedUpdates.push(params["allowed_updates"].map(String))
    // an offset confirms every update below it: Telegram forgets them
    if (offset !== undefined && offset > 0) this.updates = this.updates.filter((u) => Number(u["update_id"]) >= offset)
    const limit = Math.min(100, Math.max(1, Number(params["limit"] ?? 100)))
    if (this.waiting !== undefined) {
      clearTimeout(this.waiting.timer)
      this.waiting.finish(409, this.conflict("poller"))
      this.waiting = undefined
    }
    if (this.updates.length > 0) return this.answerPoll(send, limit)
    const timeout = Number(params["timeout"] ?? 0)
    if (!(timeout > 0)) return send(200, { ok: true, result: [] })
    const finish = (status: number, body: Json) => {
      if (this.waiting?.finish === finish) {
        clearTimeout(this.waiting.timer)
        this.waiting = undefined
      }
      send(status, body)
    }
    this.waiting = { finish, limit, timer: setTimeout(() => finish(200, { ok: true, result: [] }), timeout * 1000) }
  }

  private answerPoll(send: (status: number, body: Json) => void, limit: number) {
    if (this.waiting !== undefined) {
      clearTimeout(this.waiting.timer)
      this.waiting = undefined
    }
    send(200, { ok: true, result: this.updates.slice(0, limit) })
  }

  /** Webhook delivery: one update at a time, in order; dropped only after a 200, else retried. */
  private async deliver(): Promise<void> {
    if (this.pushing || this.webhook === undefined || this.updates.length === 0) return
    this.pushing = true
    const hook = this.webhook
    const update = this.updates[0]!
    let ok = false
    try {
      const res = await fetch(hook.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(hook.secret === undefined ? {} : { "x-telegram-bot-api-secret-token": hook.secret }) },
        body: JSON.stringify(update)
      })
      await res.arrayBuffer()
      ok = res.status === 200
    } catch {
      ok = false
    }
    if (ok && this.updates[0] === update) this.updates.shift()
    if (!ok) this.failedDeliveries++
    this.pushing = false
    if (this.webhook !== undefined && this.updates.length > 0) setTimeout(() => void this.deliver(), ok ? 0 : 200)
  }

  private async params(req: Http.IncomingMessage, url: URL): Promise<Json> {
    const query = Object.fromEntries(url.searchParams.entries())
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString("utf8")
    if (text === "") return query
    if ((req.headers["content-type"] ?? "").includes("application/json")) return { ...query, ...(JSON.parse(text) as Json) }
    return { ...query, ...Object.fromEntries(new URLSearchParams(text).entries()) }
  }
}

/** A fake Bot API for one test scope. */
export const make = (token: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const fake = new FakeTelegramServer(token)
      await fake.listen()
      return fake
    }),
    (fake) => Effect.promise(() => fake.close())
  )
