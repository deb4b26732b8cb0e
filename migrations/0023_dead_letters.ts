import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** dead_letters: one row each time an outbox row gives up; a replay stamps replayed_at once. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE dead_letters (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      request_id uuid NOT NULL,
      target text NOT NULL,
      webhook_id text NOT NULL,
      attempts integer NOT NULL,
      last_status integer,
      last_error text NOT NULL,
      dead_at timestamptz NOT NULL,
      replayed_at timestamptz,
      FOREIGN KEY (request_id, target) REFERENCES delivery_outbox (request_id, target)
    )`
  yield* sql`CREATE INDEX dead_letters_target_dead_at ON dead_letters (target, dead_at)`
  yield* sql`CREATE INDEX dead_letters_dead_at ON dead_letters (dead_at)`
})
