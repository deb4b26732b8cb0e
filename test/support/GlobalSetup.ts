/**
 * Once per test run: says which database backend the suites run on, and refuses to run in CI without
 * the real Postgres (CI=true), so a green CI can never be an embedded-only run by accident.
 */
import pg from "pg"

const ADMIN_URL = process.env["SWITCHBOARD_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

export default async function setup(): Promise<void> {
  const where = new URL(ADMIN_URL)
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    const version = await client.query<{ server_version: string }>("SHOW server_version")
    process.stdout.write(
      `database backend: postgres ${version.rows[0]?.server_version ?? ""} at ${where.hostname}:${where.port || 5432}\n`
    )
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    if (process.env["CI"] === "true") {
      throw new Error(`CI must run on a real Postgres, but ${where.hostname}:${where.port || 5432} did not answer: ${reason}`)
    }
    process.stdout.write(`database backend: embedded PGlite (Postgres at ${where.hostname}:${where.port || 5432} did not answer: ${reason})\n`)
  } finally {
    await client.end().catch(() => undefined)
  }
}
