import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** routing_rules: matchers (null = any) evaluated in (priority, id) order; each match adds its target. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE routing_rules (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      priority integer NOT NULL DEFAULT 100,
      channel text,
      provider text,
      endpoint_identity text,
      sender_identity text,
      text_pattern text,
      ignore_case boolean NOT NULL DEFAULT false,
      stop boolean NOT NULL DEFAULT false,
      target text NOT NULL REFERENCES delivery_targets (name),
      created_at timestamptz NOT NULL
    )`
})
