/**
 * The scratch world docs/operations.md runs in: a fresh Postgres database of its own (`sb_h6_*`) reached
 * through a TCP proxy (so the doc can show a database outage), a working directory under the system temp
 * directory, free ports from 7700-7719 for the hub and a connector probe, the local Bot API and Gmail /
 * Google OAuth stand-ins of test/support (speaking the real wire formats), and a webhook receiver. The
 * hub itself is started by the document's own commands. Everything is removed when the scope closes.
 */
import { Data, Effect, Random, Ref } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import pg from "pg"
import * as FakeGmail from "../../test/support/FakeGmail.js"
import { FakeTelegramServer, textUpdate } from "../../test/support/FakeTelegram.js"
import * as TcpProxy from "../../test/support/TcpProxy.js"

/** The repository the document describes. */
export const repo = Path.resolve(import.meta.dirname, "../..")

const ADMIN_URL = process.env["SWITCHBOARD_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"
const PORTS = { from: 7700, to: 7719 }
const BOT_TOKEN = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
const BOT = "support_bot"
const MAILBOX_ADDRESS = "user@example.com"

/** The stage could not be built (no Postgres, no free port, …). */
export class StageFailed extends Data.TaggedError("StageFailed")<{ readonly message: string }> {}

/** A directive named an action the stage does not know, or gave it bad arguments. */
export class DirectiveInvalid extends Data.TaggedError("DirectiveInvalid")<{ readonly message: string }> {}

const admin = (sql: string) =>
  Effect.tryPromise({
    try: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 })
      await client.connect()
      try {
        await client.query(sql)
      } finally {
        await client.end()
      }
    },
    catch: (cause) => new StageFailed({ message: `Postgres at ${ADMIN_URL}: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

const database = Effect.acquireRelease(
  Effect.gen(function*() {
    const name = `sb_h6_doc_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`
    yield* admin(`CREATE DATABASE ${name}`)
    return name
  }),
  (name) => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)
)

const portFree = (port: number) =>
  Effect.async<boolean>((resume) => {
    const probe = Net.createServer()
    probe.once("error", () => resume(Effect.succeed(false)))
    probe.listen(port, "127.0.0.1", () => probe.close(() => resume(Effect.succeed(true))))
  })

/** `count` ports of 7700-7719 nobody listens on right now. */
const freePorts = (count: number) =>
  Effect.gen(function*() {
    const found: Array<number> = []
    // from a random place in the range, so two runs at once are unlikely to pick the same ports
    const offset = yield* Random.nextIntBetween(0, PORTS.to - PORTS.from + 1)
    for (let i = 0; i <= PORTS.to - PORTS.from && found.length < count; i++) {
      const port = PORTS.from + ((offset + i) % (PORTS.to - PORTS.from + 1))
      if (yield* portFree(port)) found.push(port)
    }
    if (found.length < count) return yield* new StageFailed({ message: `fewer than ${count} free ports in ${PORTS.from}-${PORTS.to}` })
    return found
  })

const listening = (server: Http.Server) =>
  Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
      })
    }),
    () =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** A downstream webhook receiver: 200 for POST /hook, 404 for any other path (a mistyped target URL). */
const receiver = Effect.gen(function*() {
  const server = Http.createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      const ok = req.method === "POST" && req.url === "/hook"
      res.writeHead(ok ? 200 : 404, { "content-type": "application/json" })
      res.end(ok ? "{\"ok\":true}" : "{\"error\":\"not found\"}")
    })
  })
  const port = yield* listening(server)
  return { url: `http://127.0.0.1:${port}/hook` }
})

const telegram = Effect.acquireRelease(
  Effect.promise(async () => {
    const fake = new FakeTelegramServer(BOT_TOKEN)
    await fake.listen()
    return fake
  }),
  (fake) => Effect.promise(() => fake.close())
)

const workDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sb-h6-ops-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** The world: its environment for the blocks and the actions directives may take. */
export const make = (options: { readonly keepWorkDir?: boolean } = {}) =>
  Effect.gen(function*() {
    const dir = options.keepWorkDir === true ? Fs.mkdtempSync(Path.join(Os.tmpdir(), "sb-h6-ops-")) : yield* workDir
    const name = yield* database
    const proxy = yield* TcpProxy.make({ host: new URL(ADMIN_URL).hostname, port: Number(new URL(ADMIN_URL).port || 5432) })
    const [hubPort, probePort, gmailProbePort] = yield* freePorts(3)
    const bot = yield* telegram
    const gmail = yield* FakeGmail.make({ emailAddress: MAILBOX_ADDRESS })
    const hook = yield* receiver
    const updateSerial = yield* Ref.make(900_000)

    const env: Record<string, string> = {
      SWITCHBOARD_HOME: repo,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/${name}`,
      SWITCHBOARD_PORT: String(hubPort),
      SWITCHBOARD_URL: `http://127.0.0.1:${hubPort}`,
      SWITCHBOARD_DATA_DIR: Path.join(dir, "data"),
      SWITCHBOARD_DELIVERY_ALLOW_PRIVATE: "true",
      PUBLIC_URL: `http://127.0.0.1:${hubPort}`,
      PROBE_PORT: String(probePort),
      GMAIL_PROBE_PORT: String(gmailProbePort),
      RECEIVER_URL: hook.url,
      BOT,
      BUTLER_TELEGRAM_TOKEN: BOT_TOKEN,
      TELEGRAM_API_BASE_URL: bot.url,
      MAILBOX: `gmail:user:${MAILBOX_ADDRESS}`,
      GMAIL_API_BASE_URL: gmail.url,
      GOOGLE_OAUTH_TOKEN_URL: gmail.tokenUrl,
      GOOGLE_OAUTH_AUTH_URL: gmail.authUrl,
      GOOGLE_OIDC_JWKS_URL: gmail.jwksUrl,
      GMAIL_CLIENT_ID: gmail.oauth.clientId,
      GMAIL_CLIENT_SECRET: gmail.oauth.clientSecret
    }

    const count = (action: string, args: ReadonlyArray<string>) => {
      const n = Number(args[0] ?? "1")
      return Number.isInteger(n) && n >= 1 && n <= 1000
        ? Effect.succeed(n)
        : Effect.fail(new DirectiveInvalid({ message: `${action}: "${args[0]}" is not a count from 1 to 1000` }))
    }
    const fileIn = (action: string, args: ReadonlyArray<string>) =>
      args[0] === undefined || args[0].includes("..") || Path.isAbsolute(args[0])
        ? Effect.fail(new DirectiveInvalid({ message: `${action} needs a file name inside the working directory` }))
        : Effect.succeed(Path.join(dir, args[0]))

    const shapeOf = (name: string | undefined) => {
      const shape = FakeGmail.SHAPES.find((s) => s === (name ?? "full_text_plain_only"))
      return shape === undefined
        ? Effect.fail(new DirectiveInvalid({ message: `gmail-send: "${name}" is not a corpus shape (${FakeGmail.SHAPES.join(", ")})` }))
        : Effect.succeed(shape)
    }

    /** Performs one directive: the outside world moves (messages arrive, a grant is revoked, the database goes). */
    const act = (action: string, args: ReadonlyArray<string>): Effect.Effect<string, DirectiveInvalid> => {
      switch (action) {
        case "telegram-send":
          return Effect.flatMap(count(action, args), (n) =>
            Effect.map(Ref.getAndUpdate(updateSerial, (s) => s + n), (first) => {
              bot.push(...Array.from({ length: n }, (_, i) => textUpdate(first + i + 1, `customer message ${first + i + 1}`)))
              return `${n} Telegram update(s) ${first + 1}..${first + n} queued`
            }))
        case "gmail-send":
          return Effect.flatMap(Effect.zip(count(action, args), shapeOf(args[1])), ([n, shape]) =>
            Effect.sync(() => {
              // received now, as a real mail would be (a gap fill searches by date)
              const added = Array.from({ length: n }, (_, i) => gmail.addMessage({ shape, internalDate: Date.now() - n + i }))
              return `${n} mail(s) added, mailbox history id now ${gmail.mailbox.historyId} (last ${added.at(-1)?.historyId})`
            }))
        case "gmail-expire-history":
          return Effect.sync(() => {
            gmail.expireHistoryBefore(gmail.mailbox.historyId)
            return `Gmail history before ${gmail.mailbox.historyId} expired (older cursors answer 404)`
          })
        case "gmail-revoke":
          return Effect.sync(() => {
            gmail.oauth.revokeRefreshToken()
            gmail.revokeAccessTokens()
            return "the mailbox's refresh and access tokens were revoked"
          })
        case "gmail-authorise":
          return Effect.flatMap(fileIn(action, args), (file) =>
            Effect.sync(() => {
              const token = `1//0fake-consent-${Math.random().toString(36).slice(2, 12)}`
              gmail.oauth.addRefreshToken(token)
              Fs.writeFileSync(file, `${token}\n`, { mode: 0o600 })
              return `a new refresh token was granted and written to ${args[0]}`
            }))
        case "blob-orphan":
          // a blob whose event never reached the hub (the connector stopped between storing and submitting)
          return Effect.flatMap(Effect.zip(fileIn(action, args), count(action, args.slice(1))), ([root, days]) =>
            Effect.sync(() => {
              const bytes = Crypto.randomBytes(48 * 1024)
              const hex = Crypto.createHash("sha256").update(bytes).digest("hex")
              const file = Path.join(root, "sha256", hex.slice(0, 2), hex)
              Fs.mkdirSync(Path.dirname(file), { recursive: true, mode: 0o700 })
              Fs.writeFileSync(file, bytes, { mode: 0o600 })
              const then = new Date(Date.now() - days * 86_400_000)
              Fs.utimesSync(file, then, then)
              return `an unreferenced blob of ${bytes.length} bytes, written ${days} days ago, is in ${args[0]}`
            }))
        case "db-cut":
          return Effect.as(proxy.cut, "the database is unreachable (connections dropped and refused)")
        case "db-restore":
          return Effect.as(proxy.restore, "the database is reachable again")
        default:
          return Effect.fail(new DirectiveInvalid({ message: `unknown directive "${action}"` }))
      }
    }

    return { dir, env, act, database: name }
  })
