/**
 * The role table at the hub's real edges: each role's token against the dashboard API, ingest,
 * heartbeats and outbound actions, with the documented answers (200 / 202 where allowed, 403 naming
 * the role otherwise). `read` is minted as the legacy name and behaves as viewer.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import type { RoleName } from "../../src/domain/Roles.js"
import { sample } from "../support/Fixtures.js"
import { field, postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

const get = (url: string, token: string) => request(url, { headers: { authorization: `Bearer ${token}` } })

const tried: ReadonlyArray<RoleName> = ["viewer", "read", "author", "operator", "auditor", "compliance", "admin", "ingest", "actions"]
const dashboardReaders: ReadonlyArray<RoleName> = ["viewer", "read", "author", "operator", "auditor", "compliance", "admin"]
const ingesters: ReadonlyArray<RoleName> = ["ingest", "admin"]
const actors: ReadonlyArray<RoleName> = ["actions", "admin"]

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("roles at the hub's edges", (it) => {
  it.effect("every role gets the documented answer from the dashboard API, ingest, heartbeats and actions", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      for (const [i, role] of tried.entries()) {
        const { token } = yield* hub.mintToken({ role })

        for (const path of ["/api/connectors", "/api/connectors/summary", "/api/connectors/sandbox/nobody/stats"]) {
          const answer = yield* get(`${hub.url}${path}`, token)
          if (dashboardReaders.includes(role)) {
            assert.strictEqual(answer.status, path.endsWith("/stats") ? 404 : 200, `${role} ${path}`)
          } else {
            assert.strictEqual(answer.status, 403, `${role} ${path}`)
            assert.strictEqual(
              field(answer.body, "message"),
              `a token with role "${role}" may not read the dashboard (needs viewer or higher)`
            )
          }
        }

        const ingested = yield* postJson(`${hub.url}/api/ingest`, token, sample(`roles-${i}`))
        assert.strictEqual(ingested.status, ingesters.includes(role) ? 202 : 403, `${role} ingest`)
        if (!ingesters.includes(role)) assert.include(String(field(ingested.body, "message")), "may not ingest")

        const heartbeat = yield* postJson(`${hub.url}/api/connectors/heartbeat`, token, {})
        if (ingesters.includes(role)) assert.notStrictEqual(heartbeat.status, 403, `${role} heartbeat reaches validation`)
        else {
          assert.strictEqual(heartbeat.status, 403, `${role} heartbeat`)
          assert.include(String(field(heartbeat.body, "message")), "may not send heartbeats", role)
        }

        const action = yield* postJson(`${hub.url}/actions/email.send`, token, {})
        if (actors.includes(role)) assert.notStrictEqual(action.status, 403, `${role} action reaches validation`)
        else assert.strictEqual(action.status, 403, `${role} action`)

        const usage = yield* get(`${hub.url}/actions/usage`, token)
        assert.strictEqual(usage.status, 200, `${role} reads its own usage`)
      }
    }))
})
