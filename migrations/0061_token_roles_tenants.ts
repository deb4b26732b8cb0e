import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * api_tokens under the one role model (issue 11). The names below are this migration's own copy of
 * src/domain/Roles.ts at the time it landed (a landed migration never changes; a test checks they agree).
 * Stored `read` tokens become `viewer` (the same power: the dashboard API); `admin`, `ingest` and `actions`
 * keep their names and powers. Every token gets a tenant, `default` for the existing ones.
 */
export const ROLES = ["viewer", "author", "operator", "auditor", "compliance", "admin", "ingest", "actions"] as const
export const TENANT_REGEX = "^[a-z0-9][a-z0-9_-]{0,62}$"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`UPDATE api_tokens SET role = lower(btrim(role)) WHERE role <> lower(btrim(role))`
  yield* sql`UPDATE api_tokens SET role = 'viewer' WHERE role = 'read'`
  yield* sql`ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_role_check`
  yield* sql.unsafe(
    `ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check CHECK (role IN (${ROLES.map((r) => `'${r}'`).join(", ")}))`
  )
  yield* sql.unsafe(
    `ALTER TABLE api_tokens ADD COLUMN tenant text NOT NULL DEFAULT 'default'
       CONSTRAINT api_tokens_tenant_check CHECK (tenant ~ '${TENANT_REGEX}')`
  )
})
