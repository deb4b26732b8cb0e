import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * State of resource connectors (issue 11: sandbox resources, mock Outlook), keyed by
 * (connector, tenant, resource type, id), last write wins. Ids compare bytewise (COLLATE "C") so
 * keyset pagination by id is the same order as the in-memory store's.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE connector_resources (
    connector text NOT NULL,
    tenant text NOT NULL,
    resource_type text NOT NULL,
    resource_id text COLLATE "C" NOT NULL,
    body jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (connector, tenant, resource_type, resource_id)
  )`
})
