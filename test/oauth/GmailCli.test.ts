/**
 * `switchboard gmail …` as an operator runs it (the real script, a child process) on the hub's database:
 * secrets go in through stdin or a file, never argv, and never come back out; `gmail auth` completes a
 * consent against FakeGmail with the pasted redirect address.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import * as Child from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as PgSecretStore from "../../layers/SecretStore/PgSecretStore.js"
import * as SecretsKey from "../../layers/SecretStore/SecretsKey.js"
import * as FakeGmail from "../support/FakeGmail.js"
import * as TestDatabase from "../support/TestDatabase.js"

class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}
class Fake extends Context.Tag("test/Fake")<Fake, FakeGmail.FakeGmailServer>() {}

const Env = Layer.mergeAll(
  Migrations.layer.pipe(Layer.provideMerge(Layer.unwrapEffect(Effect.map(Target, (t) => TestDatabase.servicesFor(t))))),
  Layer.scoped(Fake, FakeGmail.make({ emailAddress: "alice@example.com" }))
).pipe(Layer.provideMerge(Layer.scoped(Target, TestDatabase.freshTarget)))

const KEY = randomBytes(32).toString("hex")
const ALICE = "gmail:user:alice@example.com"
const REFRESH = "1//0cli-refresh-token-value-never-printed"
const script = Path.resolve(import.meta.dirname, "../../scripts/switchboard")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the CLI; `answer` sees stdout as it arrives and may write to stdin once (the pasted answer);
 * without it `stdin` is written and closed at once.
 */
const cli = (args: ReadonlyArray<string>, options: { readonly stdin?: string; readonly env?: Record<string, string>; readonly answer?: (stdout: string) => Promise<string | undefined> } = {}) =>
  Effect.flatMap(Effect.all([Target, Fake]), ([t, fake]) =>
    Effect.async<Run>((resume) => {
      const env: Record<string, string | undefined> = {
        ...process.env,
        DATABASE_URL: `postgres://postgres@${t.host}:${t.port}/${t.database}`,
        SWITCHBOARD_SECRETS_KEY: KEY,
        GOOGLE_OAUTH_AUTH_URL: fake.authUrl,
        GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
        SWITCHBOARD_LOG_LEVEL: "debug",
        ...options.env
      }
      for (const name of ["GMAIL_CLIENT_ID", "GMAIL_CLIENT_SECRET", "GMAIL_OAUTH_REDIRECT_URI"]) if (options.env?.[name] === undefined) delete env[name]
      // "" in options.env means: not set at all
      for (const [name, value] of Object.entries(env)) if (value === "") delete env[name]
      const child = Child.spawn(script, [...args], { env, stdio: ["pipe", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      let answered = false
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString()
        if (options.answer !== undefined && !answered) {
          void options.answer(stdout).then((reply) => {
            if (reply !== undefined && !answered) {
              answered = true
              child.stdin.end(`${reply}\n`)
            }
          })
        }
      })
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
      child.on("close", (code) => resume(Effect.succeed({ code, stdout: stdout.trim(), stderr: stderr.trim() })))
      if (options.answer === undefined) child.stdin.end(options.stdin ?? "")
      return Effect.sync(() => child.kill("SIGKILL"))
    }))

/** The store as the CLI sees it (same database, same key), in this process. */
const store = Effect.suspend(() => PgSecretStore.make(Option.some(Effect.runSync(SecretsKey.fromConfigured(Redacted.make(KEY))))))

const stored = (owner: string, name: string) =>
  Effect.flatMap(store, (s) => s.get(owner, name)).pipe(Effect.map(Option.map(Redacted.value)))

layer(Env, { excludeTestServices: true, timeout: 180_000 })("gmail CLI", (it) => {
  it.effect("credentials set reads the refresh token from stdin; show lists it with its date, never its value", () =>
    Effect.gen(function*() {
      const set = yield* cli(["gmail", "credentials", "set", "--endpoint", ALICE], { stdin: `${REFRESH}\n` })
      assert.strictEqual(set.code, 0, set.stderr)
      assert.include(set.stdout, `stored the refresh token for ${ALICE}`)
      assert.deepStrictEqual(yield* stored(ALICE, "refresh_token"), Option.some(REFRESH))
      for (const args of [["gmail", "credentials", "show", "--endpoint", ALICE], ["gmail", "credentials", "show", "--endpoint", ALICE, "--json"]]) {
        const show = yield* cli(args)
        assert.strictEqual(show.code, 0, show.stderr)
        assert.include(show.stdout, "refresh_token")
        assert.include(show.stdout, "yes")
        assert.match(show.stdout, /\d{4}-\d\d-\d\dT\d\d:\d\d/)
        for (const out of [show.stdout, show.stderr, set.stdout, set.stderr]) {
          assert.notInclude(out, REFRESH)
          assert.notInclude(out, KEY)
        }
      }
    }))

  it.effect("credentials set from --refresh-token-file; client stores the OAuth app with the secret from stdin", () =>
    Effect.gen(function*() {
      const { fake } = yield* Effect.all({ fake: Fake })
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-gmail-cli-"))
      const file = Path.join(dir, "token")
      Fs.writeFileSync(file, "1//0from-a-file\n", { mode: 0o600 })
      const bob = "gmail:user:bob@example.com"
      const fromFile = yield* cli(["gmail", "credentials", "set", "--endpoint", bob, "--refresh-token-file", file])
      Fs.rmSync(dir, { recursive: true, force: true })
      assert.strictEqual(fromFile.code, 0, fromFile.stderr)
      assert.deepStrictEqual(yield* stored(bob, "refresh_token"), Option.some("1//0from-a-file"))
      const client = yield* cli(["gmail", "credentials", "client", "--client-id", fake.oauth.clientId], { stdin: `${fake.oauth.clientSecret}\n` })
      assert.strictEqual(client.code, 0, client.stderr)
      assert.deepStrictEqual(yield* stored("gmail:client", "client_secret"), Option.some(fake.oauth.clientSecret))
      const show = yield* cli(["gmail", "credentials", "show", "--endpoint", bob])
      assert.include(show.stdout, "client_secret")
      assert.include(show.stdout, "client_id")
      assert.notInclude(show.stdout + show.stderr + client.stdout + client.stderr, fake.oauth.clientSecret)
    }))

  it.effect("gmail auth prints the consent URL, takes the pasted redirect address, exchanges it and stores the refresh token", () =>
    Effect.gen(function*() {
      const fake = yield* Fake
      const carol = "gmail:user:carol@example.com"
      const run = yield* cli(["gmail", "auth", "--endpoint", carol], {
        env: { GMAIL_CLIENT_ID: fake.oauth.clientId, GMAIL_CLIENT_SECRET: fake.oauth.clientSecret },
        answer: async (stdout) => {
          if (!stdout.includes("press Enter")) return undefined
          const consent = /https?:\/\/\S+\/o\/oauth2\/v2\/auth\?\S+/.exec(stdout)?.[0]
          if (consent === undefined) return "no-url-printed"
          const page = await (await fetch(consent)).text()
          return (/id="approve" href="([^"]+)"/.exec(page)?.[1] ?? "no-approve-link").replace(/&amp;/g, "&")
        }
      })
      assert.strictEqual(run.code, 0, run.stderr)
      const consent = new URL(/https?:\/\/\S+\/o\/oauth2\/v2\/auth\?\S+/.exec(run.stdout)?.[0] ?? "http://missing")
      assert.strictEqual(consent.searchParams.get("redirect_uri"), "http://127.0.0.1:7400/oauth/gmail/callback")
      assert.strictEqual(consent.searchParams.get("code_challenge_method"), "S256")
      assert.strictEqual(consent.searchParams.get("access_type"), "offline")
      assert.strictEqual(consent.searchParams.get("prompt"), "consent")
      assert.include(run.stdout, `stored the refresh token for ${carol}`)
      const token = yield* stored(carol, "refresh_token")
      assert.isTrue(Option.isSome(token) && fake.oauth.refreshTokens.has(token.value), "a refresh token the fake issued for the PKCE exchange")
      assert.notInclude(run.stdout + run.stderr, Option.getOrElse(token, () => "-"))
      assert.notInclude(run.stdout + run.stderr, fake.oauth.clientSecret)
    }))

  it.effect("gmail auth refuses a pasted address from another consent, and Google's access_denied", () =>
    Effect.gen(function*() {
      const fake = yield* Fake
      const env = { GMAIL_CLIENT_ID: fake.oauth.clientId, GMAIL_CLIENT_SECRET: fake.oauth.clientSecret }
      const replyWith = (reply: string) => async (stdout: string) => (stdout.includes("press Enter") ? reply : undefined)
      const other = yield* cli(["gmail", "auth", "--endpoint", ALICE], { env, answer: replyWith(`http://127.0.0.1:7400/oauth/gmail/callback?state=${"Q".repeat(43)}&code=4/0x`) })
      assert.strictEqual(other.code, 1)
      assert.include(other.stderr, "another consent")
      const denied = yield* cli(["gmail", "auth", "--endpoint", ALICE], { env, answer: replyWith("http://127.0.0.1:7400/oauth/gmail/callback?error=access_denied") })
      assert.strictEqual(denied.code, 1)
      assert.include(denied.stderr, "access_denied")
    }))

  it.effect("delete removes the mailbox's secrets; without SWITCHBOARD_SECRETS_KEY on DATABASE_URL nothing is stored", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Effect.flatMap(store, (s) => s.put(ALICE, "refresh_token", Redacted.make(REFRESH)))
      const gone = yield* cli(["gmail", "credentials", "delete", "--endpoint", ALICE])
      assert.strictEqual(gone.code, 0, gone.stderr)
      assert.include(gone.stdout, "removed 1 secret")
      assert.isTrue(Option.isNone(yield* stored(ALICE, "refresh_token")))
      const noKey = yield* cli(["gmail", "credentials", "set", "--endpoint", ALICE], { stdin: `${REFRESH}\n`, env: { SWITCHBOARD_SECRETS_KEY: "" } })
      assert.strictEqual(noKey.code, 1)
      assert.include(noKey.stderr, "SecretStoreUnavailable: no secrets key: set SWITCHBOARD_SECRETS_KEY")
      assert.notInclude(noKey.stderr, REFRESH)
      assert.lengthOf(yield* sql`SELECT 1 FROM connector_secrets WHERE owner = ${ALICE}`, 0)
      const authNoKey = yield* cli(["gmail", "auth", "--endpoint", ALICE], { env: { SWITCHBOARD_SECRETS_KEY: "" } })
      assert.strictEqual(authNoKey.code, 1)
      assert.include(authNoKey.stderr, "no secrets key: set SWITCHBOARD_SECRETS_KEY")
      assert.notInclude(authNoKey.stdout, "Open this URL", "refused before the user is sent to Google")
    }))

  it.effect("on the embedded database the CLI generates the key once under the data directory (0600) and reuses it", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-gmail-embedded-"))
      const env = { DATABASE_URL: "", SWITCHBOARD_SECRETS_KEY: "", SWITCHBOARD_DATA_DIR: Path.join(dir, "data") }
      const set = yield* cli(["gmail", "credentials", "set", "--endpoint", ALICE], { stdin: `${REFRESH}\n`, env })
      assert.strictEqual(set.code, 0, set.stderr)
      const file = Path.join(dir, "data", "secrets.key")
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      const key = Fs.readFileSync(file, "utf8")
      const show = yield* cli(["gmail", "credentials", "show", "--endpoint", ALICE], { env })
      assert.strictEqual(show.code, 0, show.stderr)
      assert.match(show.stdout, /refresh_token .* yes/)
      assert.strictEqual(Fs.readFileSync(file, "utf8"), key, "the same key after a restart")
      assert.notInclude(set.stdout + set.stderr + show.stdout + show.stderr, REFRESH)
      assert.notInclude(set.stdout + set.stderr + show.stdout + show.stderr, key.trim())
      Fs.rmSync(dir, { recursive: true, force: true })
    }))

  it.effect("bad input fails with one line and exit 1 or 2: an empty token, a bad endpoint; --help names stdin", () =>
    Effect.gen(function*() {
      const empty = yield* cli(["gmail", "credentials", "set", "--endpoint", ALICE], { stdin: "\n" })
      assert.strictEqual(empty.code, 1)
      assert.include(empty.stderr, "refresh token is empty")
      const endpoint = yield* cli(["gmail", "credentials", "set", "--endpoint", "alice@example.com"], { stdin: `${REFRESH}\n` })
      assert.notStrictEqual(endpoint.code, 0)
      assert.include(endpoint.stdout + endpoint.stderr, "gmail:user:")
      const help = yield* cli(["gmail", "credentials", "--help"])
      assert.include(help.stdout, "stdin")
      assert.include(help.stdout.replace(/\s+/g, " "), "never their values")
    }))
})
