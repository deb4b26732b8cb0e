/** The database on a real Postgres server given by URL. */
import { PgClient } from "@effect/sql-pg"
import { Duration, Layer, Redacted } from "effect"
import { DatabaseLocation } from "../../services/Database.js"

export interface Options {
  readonly poolSize: number
  readonly connectTimeout: Duration.DurationInput
}

export const defaults: Options = { poolSize: 16, connectTimeout: Duration.seconds(3) }

/** The URL without its password, safe to print. */
export const displayUrl = (url: Redacted.Redacted<string>): string => {
  try {
    const u = new URL(Redacted.value(url))
    if (u.password !== "") u.password = "***"
    return u.toString()
  } catch {
    return "(unparsable DATABASE_URL)"
  }
}

export const clientLayer = (config: PgClient.PgClientConfig, options: Options = defaults) =>
  PgClient.layer({
    maxConnections: options.poolSize,
    connectTimeout: options.connectTimeout,
    idleTimeout: Duration.seconds(30),
    applicationName: "switchboard",
    ...config
  })

export const layer = (url: Redacted.Redacted<string>, options: Options = defaults) =>
  Layer.merge(
    clientLayer({ url }, options),
    Layer.succeed(DatabaseLocation, { kind: "postgres", where: displayUrl(url) })
  )
