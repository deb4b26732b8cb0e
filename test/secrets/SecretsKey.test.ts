/**
 * Where the secrets key comes from: SWITCHBOARD_SECRETS_KEY (hex or base64, anything else fails the start
 * naming the variable and never echoing it), or on the embedded database a key generated once under the
 * data directory (0600 in a 0700 directory) and reused after restarts; on DATABASE_URL none.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import * as Child from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as PgSecretStore from "../../layers/SecretStore/PgSecretStore.js"
import * as SecretsKey from "../../layers/SecretStore/SecretsKey.js"
import { DatabaseLocation } from "../../services/Database.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-secrets-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const modeOf = (file: string) => Fs.statSync(file).mode & 0o777

/** resolveKey as the hub runs it, on a database of `kind`, with exactly these variables. */
const resolveWith = (kind: "postgres" | "embedded", env: Record<string, string>) =>
  PgSecretStore.resolveKey.pipe(
    Effect.provide(Layer.succeed(DatabaseLocation, { kind, where: "test" })),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("SecretsKey", () => {
  it("parses 64 hex characters and 32 bytes of base64 or base64url to the same key", () => {
    const bytes = randomBytes(32)
    const forms = [bytes.toString("hex"), bytes.toString("hex").toUpperCase(), bytes.toString("base64"), bytes.toString("base64url"), ` ${bytes.toString("hex")}\n`]
    for (const form of forms) {
      assert.deepStrictEqual(Option.map(SecretsKey.parseKey(form), (b) => Buffer.from(b).toString("hex")), Option.some(bytes.toString("hex")), form)
    }
  })

  it("refuses anything that is not exactly 32 bytes", () => {
    for (const bad of ["", "secret", "a".repeat(63), "a".repeat(65), randomBytes(31).toString("base64"), randomBytes(33).toString("base64"), "zz".repeat(32)]) {
      assert.isTrue(Option.isNone(SecretsKey.parseKey(bad)), bad)
    }
  })

  it.effect("a bad SWITCHBOARD_SECRETS_KEY fails the start naming the variable, never the value", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(resolveWith("postgres", { SWITCHBOARD_SECRETS_KEY: "hunter2-not-a-key" }))
      assert.strictEqual(error._tag, "SecretsKeyInvalid")
      assert.include(error.message, "SWITCHBOARD_SECRETS_KEY")
      assert.notInclude(error.message, "hunter2")
    }))

  it.effect("the configured key wins on either database; the key id is a fingerprint, stable for the same key", () =>
    Effect.gen(function*() {
      const hex = randomBytes(32).toString("hex")
      const a = yield* resolveWith("postgres", { SWITCHBOARD_SECRETS_KEY: hex })
      const b = yield* resolveWith("embedded", { SWITCHBOARD_SECRETS_KEY: Buffer.from(hex, "hex").toString("base64"), SWITCHBOARD_DATA_DIR: "/nonexistent/never-created" })
      assert.isTrue(Option.isSome(a) && Option.isSome(b))
      assert.strictEqual(Option.getOrThrow(a).id, Option.getOrThrow(b).id)
      assert.match(Option.getOrThrow(a).id, /^k1:[0-9a-f]{16}$/)
      assert.notInclude(hex, Option.getOrThrow(a).id.slice(3))
      assert.isFalse(Fs.existsSync("/nonexistent/never-created"))
    }))

  it.effect("DATABASE_URL without SWITCHBOARD_SECRETS_KEY: no key (and no file written)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      assert.isTrue(Option.isNone(yield* resolveWith("postgres", { SWITCHBOARD_DATA_DIR: dir })))
      assert.deepStrictEqual(Fs.readdirSync(dir), [])
    }).pipe(Effect.scoped))

  it.effect("embedded: a key is generated once in <data dir>/secrets.key (0600, directory 0700) and reused after a restart", () =>
    Effect.gen(function*() {
      const dir = Path.join(yield* tempDir, "data")
      const first = Option.getOrThrow(yield* resolveWith("embedded", { SWITCHBOARD_DATA_DIR: dir }))
      const file = Path.join(dir, "secrets.key")
      assert.strictEqual(modeOf(file), 0o600)
      assert.strictEqual(modeOf(dir), 0o700)
      assert.match(Fs.readFileSync(file, "utf8"), /^[0-9a-f]{64}\n$/)
      const second = Option.getOrThrow(yield* resolveWith("embedded", { SWITCHBOARD_DATA_DIR: dir }))
      assert.strictEqual(second.id, first.id)
      assert.deepStrictEqual(Buffer.from(Redacted.value(second.material)), Buffer.from(Redacted.value(first.material)))
      assert.strictEqual(second.source, file)
    }).pipe(Effect.scoped))

  it.effect("embedded: a key file readable by others is tightened to 0600; a damaged one fails naming the file (never replaced)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "secrets.key")
      const hex = randomBytes(32).toString("hex")
      Fs.writeFileSync(file, `${hex}\n`, { mode: 0o644 })
      Fs.chmodSync(file, 0o644)
      const key = Option.getOrThrow(yield* resolveWith("embedded", { SWITCHBOARD_DATA_DIR: dir }))
      assert.strictEqual(modeOf(file), 0o600)
      assert.strictEqual(key.id, Effect.runSync(SecretsKey.fromConfigured(Redacted.make(hex))).id)
      Fs.writeFileSync(file, "truncated\n")
      const error = yield* Effect.flip(resolveWith("embedded", { SWITCHBOARD_DATA_DIR: dir }))
      assert.include(error.message, file)
      assert.strictEqual(Fs.readFileSync(file, "utf8"), "truncated\n")
    }).pipe(Effect.scoped))

  it.live("processes starting together on one data directory end up with one key (exclusive create)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const script = `import { Effect } from "effect"; import * as K from ${JSON.stringify(Path.resolve(import.meta.dirname, "../../layers/SecretStore/SecretsKey.ts"))};` +
        `process.stdout.write(Effect.runSync(K.embedded(${JSON.stringify(dir)})).id)`
      const run = Effect.async<string>((resume) => {
        Child.execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: Path.resolve(import.meta.dirname, "../..") }, (error, stdout, stderr) =>
          resume(error === null ? Effect.succeed(/k1:[0-9a-f]{16}$/.exec(stdout)?.[0] ?? stdout) : Effect.die(new Error(stderr))))
      })
      const ids = yield* Effect.all(Array.from({ length: 4 }, () => run), { concurrency: "unbounded" })
      assert.strictEqual(new Set(ids).size, 1, ids.join(", "))
      assert.match(ids[0] ?? "", /^k1:[0-9a-f]{16}$/)
    }).pipe(Effect.scoped), 60_000)

  it("seal/open: the value comes back for the same row and key only", () => {
    const key = Effect.runSync(SecretsKey.fromConfigured(Redacted.make(randomBytes(32).toString("hex"))))
    const other = Effect.runSync(SecretsKey.fromConfigured(Redacted.make(randomBytes(32).toString("hex"))))
    const sealed = SecretsKey.seal(key, "gmail:user:a@example.com", "refresh_token", Redacted.make("v"))
    assert.deepStrictEqual(Option.map(SecretsKey.open(key, "gmail:user:a@example.com", "refresh_token", sealed), Redacted.value), Option.some("v"))
    assert.isTrue(Option.isNone(SecretsKey.open(key, "gmail:user:b@example.com", "refresh_token", sealed)))
    assert.isTrue(Option.isNone(SecretsKey.open(key, "gmail:user:a@example.com", "client_secret", sealed)))
    assert.isTrue(Option.isNone(SecretsKey.open({ ...other, id: key.id }, "gmail:user:a@example.com", "refresh_token", sealed)))
  })
})
