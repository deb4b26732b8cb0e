/**
 * The key that seals connector secrets, and the sealing itself (AES-256-GCM from node:crypto). The key
 * comes from SWITCHBOARD_SECRETS_KEY (32 bytes: 64 hex characters or base64); on the embedded database
 * without it, one is generated once and kept in `<data dir>/secrets.key` (mode 0600, directory 0700) so
 * the hub and the CLI on the same data directory share it. On DATABASE_URL without it there is no key,
 * and the store refuses to store (PgSecretStore). A key is only ever named by its fingerprint (`id`).
 */
import { Data, Effect, Option, Redacted } from "effect"
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"

export const KEY_VARIABLE = "SWITCHBOARD_SECRETS_KEY"
export const KEY_FILE = "secrets.key"
const KEY_BYTES = 32
const NONCE_BYTES = 12

export interface SecretsKey {
  /** Fingerprint stored with every row (not reversible to the key). */
  readonly id: string
  readonly material: Redacted.Redacted<Uint8Array>
  /** Where it came from, for the start-up log line. */
  readonly source: string
}

/** The configured or stored key is not 32 bytes of hex or base64, or its file cannot be used. */
export class SecretsKeyInvalid extends Data.TaggedError("SecretsKeyInvalid")<{ readonly message: string }> {}

const fingerprint = (key: Uint8Array) =>
  `k1:${createHash("sha256").update("switchboard secrets key id\u0000").update(key).digest("hex").slice(0, 16)}`

const base64 = /^[A-Za-z0-9+/_-]+={0,2}$/

/** 32 bytes from 64 hex characters or base64 (standard or URL-safe), else a reason (never echoing the value). */
export const parseKey = (text: string): Option.Option<Uint8Array> => {
  const t = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Option.some(Buffer.from(t, "hex"))
  if (!base64.test(t)) return Option.none()
  const bytes = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64")
  return bytes.length === KEY_BYTES ? Option.some(bytes) : Option.none()
}

const make = (material: Uint8Array, source: string): SecretsKey => ({
  id: fingerprint(material),
  material: Redacted.make(material),
  source
})

/** The key given in SWITCHBOARD_SECRETS_KEY; a bad one fails the start naming the variable (not the value). */
export const fromConfigured = (value: Redacted.Redacted<string>): Effect.Effect<SecretsKey, SecretsKeyInvalid> =>
  Option.match(parseKey(Redacted.value(value)), {
    onNone: () =>
      Effect.fail(
        new SecretsKeyInvalid({
          message: `${KEY_VARIABLE} must be 32 bytes written as 64 hex characters or as base64 (generate one with: openssl rand -hex 32)`
        })
      ),
    onSome: (bytes) => Effect.succeed(make(bytes, KEY_VARIABLE))
  })

const attempt = <A>(what: string, f: () => A) =>
  Effect.try({
    try: f,
    catch: (cause) =>
      new SecretsKeyInvalid({ message: `${what}: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}` })
  })

const readKeyFile = (file: string) =>
  Effect.gen(function*() {
    const text = yield* attempt(`cannot read ${file}`, () => Fs.readFileSync(file, "utf8"))
    const mode = yield* attempt(`cannot stat ${file}`, () => Fs.statSync(file).mode & 0o777)
    if ((mode & 0o077) !== 0) {
      yield* Effect.logWarning(`secret store: ${file} was readable by others (mode ${mode.toString(8)}); set to 0600`)
      yield* attempt(`cannot chmod ${file}`, () => Fs.chmodSync(file, 0o600))
    }
    return yield* Option.match(parseKey(text), {
      onNone: () =>
        Effect.fail(
          new SecretsKeyInvalid({
            message: `${file} does not hold a 32-byte key (64 hex characters); restore it, or set ${KEY_VARIABLE}` +
              " (a new key cannot decrypt the secrets already stored)"
          })
        ),
      onSome: (bytes) => Effect.succeed(make(bytes, file))
    })
  })

/**
 * The embedded database's key: read from `<dataDir>/secrets.key`, or created there once (atomically and
 * exclusively, so a hub and a CLI starting together end up with the same key).
 */
export const embedded = (dataDir: string): Effect.Effect<SecretsKey, SecretsKeyInvalid> =>
  Effect.gen(function*() {
    const file = Path.resolve(dataDir, KEY_FILE)
    if (Fs.existsSync(file)) return yield* readKeyFile(file)
    yield* attempt(`cannot create ${dataDir}`, () => {
      Fs.mkdirSync(Path.dirname(file), { recursive: true, mode: 0o700 })
      Fs.chmodSync(Path.dirname(file), 0o700)
    })
    const material = randomBytes(KEY_BYTES)
    const created = yield* Effect.try({
      // Written under a private name first, then linked into place: the link fails if another process got
      // there first, and nobody can ever read a half-written key file.
      try: () => {
        const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
        Fs.writeFileSync(temp, `${material.toString("hex")}\n`, { mode: 0o600, flag: "wx" })
        try {
          Fs.linkSync(temp, file)
        } finally {
          Fs.rmSync(temp, { force: true })
        }
        return true
      },
      catch: (cause) => cause
    }).pipe(
      Effect.catchAll((cause) =>
        typeof cause === "object" && cause !== null && "code" in cause && cause.code === "EEXIST"
          ? Effect.succeed(false)
          : Effect.fail(new SecretsKeyInvalid({ message: `cannot write ${file}: ${String(cause).split("\n")[0]}` }))
      )
    )
    if (!created) return yield* readKeyFile(file)
    yield* Effect.logInfo(`secret store: generated a new key in ${file} (keep it with the database backups)`)
    return make(material, file)
  })

/** Additional authenticated data: a ciphertext only opens for the owner and name it was sealed for. */
const aad = (owner: string, name: string) => Buffer.from(`switchboard/connector_secrets/v1\u0000${owner}\u0000${name}`, "utf8")

export interface Sealed {
  readonly nonce: Uint8Array
  readonly ciphertext: Uint8Array
  readonly authTag: Uint8Array
  readonly keyId: string
}

/** Seals `value` for (owner, name) under a fresh 12-byte nonce. */
export const seal = (key: SecretsKey, owner: string, name: string, value: Redacted.Redacted<string>): Sealed => {
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv("aes-256-gcm", Redacted.value(key.material), nonce)
  cipher.setAAD(aad(owner, name))
  const ciphertext = Buffer.concat([cipher.update(Redacted.value(value), "utf8"), cipher.final()])
  return { nonce, ciphertext, authTag: cipher.getAuthTag(), keyId: key.id }
}

/** The value sealed for (owner, name), or None when it was sealed under another key, for another row, or altered. */
export const open = (key: SecretsKey, owner: string, name: string, sealed: Sealed): Option.Option<Redacted.Redacted<string>> => {
  if (sealed.keyId !== key.id || sealed.nonce.length !== NONCE_BYTES || sealed.authTag.length !== 16) return Option.none()
  try {
    const decipher = createDecipheriv("aes-256-gcm", Redacted.value(key.material), sealed.nonce)
    decipher.setAAD(aad(owner, name))
    decipher.setAuthTag(sealed.authTag)
    const plain = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()])
    return Option.some(Redacted.make(plain.toString("utf8")))
  } catch {
    return Option.none()
  }
}
