/**
 * `switchboard gmail auth | credentials set | client | show | delete`: Gmail OAuth for headless setups,
 * on the hub's database (the secrets are sealed with the same key as the hub's, PgSecretStore.ts).
 * Secrets are read from stdin or a file, never from the command line, and never printed.
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Console, Data, Effect, Layer, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import * as PgSecretStore from "../../layers/SecretStore/PgSecretStore.js"
import { SecretStore, SecretStoreUnavailable } from "../../services/SecretStore.js"
import * as GmailOAuth from "../oauth/GmailOAuth.js"
import * as OAuthClient from "../oauth/OAuthClient.js"
import { exchangeCode } from "../oauth/TokenExchange.js"
import * as Help from "./Help.js"
import * as Lazy from "./Lazy.js"
import * as Output from "./Output.js"
import * as Pasted from "../oauth/Pasted.js"

/** A value given to a gmail command is missing or malformed. */
class GmailInputInvalid extends Data.TaggedError("GmailInputInvalid")<{ readonly message: string }> {}

const invalid = (message: string) => new GmailInputInvalid({ message })

const invalidOption = (problem: string) => ValidationError.invalidValue(HelpDoc.p(problem))

const endpoint = Options.text("endpoint").pipe(
  Options.withDescription("the mailbox, gmail:user:<address> (as in the connector's CONNECTOR_ENDPOINT_IDENTITY)"),
  Options.mapEffect((e) => {
    const problem = GmailOAuth.endpointProblem(e)
    return problem === undefined ? Effect.succeed(e) : Effect.fail(invalidOption(problem))
  })
)

const MAX_SECRET_BYTES = 8192

/** One line from `file`, or from stdin when no file is given (a prompt on stderr when stdin is a terminal). */
const readSecret = (what: string, file: Option.Option<string>) =>
  Effect.gen(function*() {
    const text = yield* Option.match(file, {
      onSome: (path) =>
        Effect.try({
          try: () => {
            const size = Fs.statSync(path).size
            if (size > MAX_SECRET_BYTES) throw new Error(`larger than ${MAX_SECRET_BYTES} bytes`)
            return Fs.readFileSync(path, "utf8")
          },
          catch: (cause) => invalid(`cannot read ${what} from ${path}: ${cause instanceof Error ? cause.message : String(cause)}`)
        }),
      onNone: () =>
        Effect.zipRight(
          process.stdin.isTTY ? Console.error(`${what} (input is shown; prefer a pipe or a file):`) : Effect.void,
          Pasted.readLine(MAX_SECRET_BYTES).pipe(Effect.mapError((message) => invalid(`${what}: ${message}`)))
        )
    })
    const value = (text.split(/\r?\n/)[0] ?? "").trim()
    if (value === "") return yield* invalid(`${what} is empty`)
    if (!/^[\x21-\x7e]+$/.test(value)) return yield* invalid(`${what} must be printable ASCII without spaces`)
    return Redacted.make(value)
  })

const settings = GmailOAuth.SettingsConfig

/** Fails before anything is asked of the user when the store could not keep what the command produces. */
const requireKey = Effect.flatMap(PgSecretStore.resolveKey, (key) =>
  Option.isNone(key) ? Effect.fail(new SecretStoreUnavailable({ message: PgSecretStore.KEY_MISSING_MESSAGE })) : Effect.void)

const auth = Command.make("auth", { endpoint }, (o) =>
  Effect.gen(function*() {
    yield* requireKey
    const config = yield* settings
    const store = yield* SecretStore
    const app = yield* OAuthClient.resolve(config, store)
    const redirectUri = config.redirectUri ?? GmailOAuth.defaultRedirectUri(config.hubPort)
    const state = GmailOAuth.randomToken()
    const verifier = GmailOAuth.randomToken()
    const url = GmailOAuth.consentUrl(config.authUrl, { clientId: app.clientId, redirectUri, state, verifier, endpoint: o.endpoint })
    yield* Console.log([
      `Open this URL in a browser signed in as ${GmailOAuth.addressOf(o.endpoint)} and allow reading the mail:`,
      "",
      `  ${url}`,
      "",
      `Google then sends the browser to ${redirectUri}?code=…; that page may not load (or a running hub answers`,
      "that the state is unknown to it): copy the address from the browser's address bar.",
      "Paste the whole address (or only the code) and press Enter:"
    ].join("\n"))
    const pasted = yield* Pasted.readLine(MAX_SECRET_BYTES).pipe(Effect.mapError((m) => invalid(`the pasted answer: ${m}`)))
    const code = yield* Effect.mapError(Pasted.codeOf(pasted, state), invalid)
    const refreshToken = yield* exchangeCode({
      tokenUrl: config.tokenUrl,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      code,
      verifier,
      redirectUri,
      endpoint: o.endpoint
    })
    yield* store.put(o.endpoint, GmailOAuth.REFRESH_TOKEN, refreshToken)
    yield* Console.log(`stored the refresh token for ${o.endpoint} (OAuth app from the ${app.source})`)
  })).pipe(
    Command.withDescription(Help.describe("authorise a mailbox without a browser on the hub", {
      details: [
        "Prints Google's consent URL (GMAIL_OAUTH_REDIRECT_URI, default http://127.0.0.1:<SWITCHBOARD_PORT>/oauth/gmail/callback), " +
        "reads the pasted redirect address or code from stdin, exchanges it (GOOGLE_OAUTH_TOKEN_URL) and stores the refresh token."
      ],
      examples: ["switchboard gmail auth --endpoint gmail:user:ops@example.com"]
    }))
  )

const set = Command.make(
  "set",
  {
    endpoint,
    file: Options.text("refresh-token-file").pipe(
      Options.withDescription("read the refresh token from this file (default: the first line of stdin)"),
      Options.optional
    )
  },
  (o) =>
    Effect.gen(function*() {
      const token = yield* readSecret("refresh token", o.file)
      yield* (yield* SecretStore).put(o.endpoint, GmailOAuth.REFRESH_TOKEN, token)
      yield* Console.log(`stored the refresh token for ${o.endpoint}`)
    })
).pipe(Command.withDescription(Help.describe("store a refresh token you already have, read from stdin or a file", {
  details: ["Never from the command line, where ps and the shell history would show it."],
  examples: [
    "switchboard gmail credentials set --endpoint gmail:user:ops@example.com --refresh-token-file token.txt",
    "switchboard gmail credentials set --endpoint gmail:user:ops@example.com < token.txt"
  ]
})))

const client = Command.make(
  "client",
  {
    clientId: Options.text("client-id").pipe(Options.withDescription("the OAuth app's client id (not a secret)")),
    file: Options.text("client-secret-file").pipe(
      Options.withDescription("read the client secret from this file (default: the first line of stdin)"),
      Options.optional
    )
  },
  (o) =>
    Effect.gen(function*() {
      if (!/^[\x21-\x7e]{1,256}$/.test(o.clientId)) return yield* invalid("--client-id must be 1 to 256 printable ASCII characters")
      const secret = yield* readSecret("client secret", o.file)
      const store = yield* SecretStore
      yield* store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_ID, Redacted.make(o.clientId))
      yield* store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_SECRET, secret)
      yield* Console.log(`stored the Gmail OAuth app ${o.clientId} in the secret store`)
      if ((yield* settings).clientId !== undefined) {
        yield* Console.error("note: GMAIL_CLIENT_ID is set, and the environment wins over the secret store where it is set")
      }
    })
).pipe(Command.withDescription(Help.describe("store the Gmail OAuth app: client id, and its secret from stdin or a file", {
  examples: ["switchboard gmail credentials client --client-id 1234.apps.googleusercontent.com --client-secret-file secret.txt"]
})))

/** Can the current key open it? (Decrypted, then dropped: never printed.) */
const readable = (owner: string, name: string) =>
  Effect.flatMap(SecretStore, (store) => store.get(owner, name)).pipe(
    Effect.map(Option.match({ onNone: () => "gone", onSome: () => "yes" })),
    Effect.catchTags({
      SecretUndecryptable: () => Effect.succeed("no: sealed under another key"),
      SecretStoreUnavailable: (e) => Effect.succeed(PgSecretStore.isKeyMissing(e) ? "no: SWITCHBOARD_SECRETS_KEY not set" : "unknown: store unavailable")
    })
  )

const show = Command.make("show", { endpoint, json: Options.boolean("json").pipe(Options.withDescription("print JSON instead of text")) }, (o) =>
  Effect.gen(function*() {
    const rows = yield* Effect.forEach([o.endpoint, GmailOAuth.CLIENT_OWNER], (owner) =>
      Effect.flatMap(PgSecretStore.listOwner(owner), (secrets) =>
        Effect.forEach(secrets, (s) =>
          Effect.map(readable(owner, s.name), (ok) => ({ owner, name: s.name, updated_at: s.updatedAt, key_id: s.keyId, readable: ok })))))
    const secrets = rows.flat()
    const config = yield* settings
    const app = config.clientId !== undefined ? `environment (GMAIL_CLIENT_ID ${config.clientId})` : "secret store (gmail:client)"
    if (o.json) return yield* Output.json({ endpoint_identity: o.endpoint, oauth_app_from: app, secrets })
    yield* Console.log(`mailbox ${o.endpoint}; OAuth app from the ${app}`)
    yield* Output.table(secrets, ["owner", "name", "updated_at", "key_id", "readable"])
  })).pipe(Command.withDescription(Help.describe("list the secrets of a mailbox and of the OAuth app (never their values)", {
    examples: ["switchboard gmail credentials show --endpoint gmail:user:ops@example.com"]
  })))

const remove = Command.make("delete", { endpoint }, (o) =>
  Effect.gen(function*() {
    const removed = yield* (yield* SecretStore).remove(o.endpoint)
    yield* Console.log(`removed ${removed} secret${removed === 1 ? "" : "s"} of ${o.endpoint} (the connector stops at its next credentials read)`)
  })).pipe(Command.withDescription(Help.describe("delete every stored secret of a mailbox (its refresh token)", {
    examples: ["switchboard gmail credentials delete --endpoint gmail:user:ops@example.com"]
  })))

const credentials = Command.make("credentials").pipe(
  Command.withDescription(Help.describe("the Gmail secrets the hub keeps, encrypted with SWITCHBOARD_SECRETS_KEY", {
    examples: ["switchboard gmail credentials show --endpoint gmail:user:ops@example.com"]
  })),
  Command.withSubcommands([set, client, show, remove])
)

/** The secret store and an HTTP client for the token endpoint; the database comes from the caller. */
export const GmailCliLive = Layer.merge(PgSecretStore.layer, Lazy.HttpClientLive)

export const gmailCommand = Command.make("gmail").pipe(
  Command.withDescription(Help.describe("Gmail OAuth: consent without a browser, stored tokens, the OAuth app", {
    examples: ["switchboard gmail auth --endpoint gmail:user:ops@example.com"]
  })),
  Command.withSubcommands([auth, credentials])
)
