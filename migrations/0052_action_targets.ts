import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Action targets (issue 10): a delivery target is either an HTTP webhook (`url`, `secret`) or an outbound
 * action (`action`, a JSON `template` rendered per request, and the `owner_token_id` whose plan and quota
 * its deliveries spend).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE delivery_targets
    ADD COLUMN action text,
    ADD COLUMN template jsonb,
    ADD COLUMN owner_token_id text REFERENCES api_tokens (id),
    ALTER COLUMN url DROP NOT NULL,
    ALTER COLUMN secret DROP NOT NULL,
    ADD CONSTRAINT delivery_targets_kind CHECK (
      (action IS NULL AND url IS NOT NULL AND secret IS NOT NULL) OR
      (action IS NOT NULL AND template IS NOT NULL AND owner_token_id IS NOT NULL AND url IS NULL AND secret IS NULL))`
})
