/**
 * The database is `SqlClient` from @effect/sql (backed by Postgres or embedded PGlite); this tag
 * only says where the data lives, for start-up messages and `/ready`.
 */
import { Context } from "effect"

export interface DatabaseLocationInfo {
  /** `postgres` when DATABASE_URL is set, `embedded` for PGlite under the data directory. */
  readonly kind: "postgres" | "embedded"
  /** Where the data lives: the data directory, or the URL without its password. */
  readonly where: string
}

export class DatabaseLocation extends Context.Tag("switchboard/DatabaseLocation")<
  DatabaseLocation,
  DatabaseLocationInfo
>() {}
