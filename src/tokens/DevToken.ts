/**
 * The development token: created on first start with full scope and the admin role in tenant `default`, written once to
 * `<dataDir>/dev-token` (mode 0600) and reused while it still verifies against the database. Without a
 * data directory (a real Postgres server) it is created and answered, never written.
 */
import { Effect, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { TokenStore } from "../../services/TokenStore.js"
import { DEFAULT_TENANT } from "../domain/Roles.js"

const readFile = (file: string) =>
  Effect.sync(() => {
    try {
      return Option.some(Fs.readFileSync(file, "utf8").trim())
    } catch {
      return Option.none<string>()
    }
  })

export const ensure = (dataDir: string | undefined) =>
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    const file = dataDir === undefined ? undefined : Path.resolve(dataDir, "dev-token")
    const existing = file === undefined ? Option.none<string>() : yield* readFile(file)
    if (Option.isSome(existing) && existing.value !== "") {
      const secret = Redacted.make(existing.value)
      const valid = yield* tokens.verify(secret).pipe(Effect.as(true), Effect.catchTag("Unauthorized", () => Effect.succeed(false)))
      if (valid) return { secret, file, created: false }
      yield* Effect.logWarning("dev token in the data directory is not valid for this database; creating a new one")
    }
    const { secret } = yield* tokens.create({
      env: "dev",
      channel: "*",
      provider: "*",
      endpoint_identity: "*",
      role: "admin",
      tenant: DEFAULT_TENANT,
      label: "development token (created at start)",
      expires_at: null,
      replaces: null
    })
    if (file === undefined) return { secret, file, created: true }
    yield* Effect.sync(() => {
      Fs.mkdirSync(Path.dirname(file), { recursive: true, mode: 0o700 })
      Fs.writeFileSync(file, `${Redacted.value(secret)}\n`, { mode: 0o600 })
      Fs.chmodSync(file, 0o600)
    })
    return { secret, file, created: true }
  })
