/**
 * End to end: a real connector runtime (the sandbox source, a corrupt checkpoint file, dead letters on
 * disk) talks RPC to a real hub that refuses its invalid events. Its heartbeat's degradation and last
 * submission are persisted by the hub, shown by the dashboard detail API and exported on /metrics.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Option, Redacted, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as FileCheckpointStore from "../../layers/CheckpointStore/FileCheckpointStore.js"
import * as FileDeadLetters from "../../layers/ConnectorDeadLetters/FileDeadLetters.js"
import * as RpcSwitchboardClient from "../../layers/SwitchboardClient/RpcSwitchboardClient.js"
import { CheckpointStore } from "../../services/CheckpointStore.js"
import { ConnectorDeadLetters } from "../../services/ConnectorDeadLetters.js"
import { SourceConnector } from "../../services/SourceConnector.js"
import { SwitchboardClient } from "../../services/SwitchboardClient.js"
import * as Runtime from "../../src/connectors/runtime/Runtime.js"
import * as Sandbox from "../../src/connectors/sandbox/SandboxConnector.js"
import { ConnectorDetailResponse } from "../../src/domain/StatsApi.js"
import { request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { getAs } from "../stats/support/Api.js"
import { runtimeOptions } from "./Fakes.js"

const ENDPOINT = "degradation-e2e"

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("degradation from connector to hub", (it) => {
  it.scoped("the hub persists a real connector's degradation and shows it in the detail API and /metrics", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-degradation-e2e-"))),
        (d) => Effect.sync(() => Fs.rmSync(d, { recursive: true, force: true }))
      )
      const cursorFile = Path.join(dir, "cursor.json")
      Fs.writeFileSync(cursorFile, "{\"next\": ")
      const token = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: ENDPOINT })
      const client = yield* RpcSwitchboardClient.make({
        url: hub.url,
        token: Redacted.make(token.token),
        requestTimeout: Duration.seconds(20)
      })
      // messages 4 and 9 have an empty sender: the hub refuses them for good
      const source = yield* Sandbox.make(ENDPOINT, { ...Sandbox.defaults, ratePerSecond: 10_000, total: 10, invalidEvery: 5, batchSize: 10 })
      const store = yield* FileCheckpointStore.make(cursorFile)
      const letters = yield* FileDeadLetters.make(Path.join(dir, "dead_letters.ndjson"))
      const runtime = yield* Runtime.make(runtimeOptions).pipe(
        Effect.provideService(SourceConnector, source),
        Effect.provideService(SwitchboardClient, client),
        Effect.provideService(CheckpointStore, store),
        Effect.provideService(ConnectorDeadLetters, letters)
      )
      const before = Date.now()
      yield* runtime.start
      yield* Effect.sleep("20 millis") // the sandbox produces its 10 messages
      yield* Effect.repeat(runtime.pollOnce, { until: (o) => !o.found, times: 5 })
      // checkpoint saves run off the poll loop: wait for the first before the heartbeat reports it
      yield* runtime.state.snapshot.pipe(
        Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (s) => Option.isSome(s.checkpoint) }),
        Effect.timeout("10 seconds")
      )
      yield* runtime.heartbeat.send

      const detail = yield* getAs(ConnectorDetailResponse, `${hub.url}/api/connectors/sandbox/${ENDPOINT}`, hub.token)
      assert.strictEqual(detail.data.counters.messages_ingested, 8)
      assert.strictEqual(detail.data.degradation_totals.dead_lettered, 2)
      assert.strictEqual(detail.data.degradation_totals.checkpoint_corrupt, 1)
      assert.strictEqual(detail.data.degradation?.dead_lettered, 2)
      const submitted = Date.parse(detail.data.last_submission_at ?? "")
      assert.isTrue(submitted >= before && submitted <= Date.now(), String(detail.data.last_submission_at))
      assert.strictEqual(Fs.readFileSync(Path.join(dir, "dead_letters.ndjson"), "utf8").trim().split("\n").length, 2)

      const text = String((yield* request(`${hub.url}/metrics`)).body)
      const labels = `connector_type="sandbox",endpoint_identity="${ENDPOINT}"`
      assert.include(text, `switchboard_connector_degradations_total{${labels},kind="dead_lettered",reason="none"} 2\n`)
      assert.include(text, `switchboard_connector_degradations_total{${labels},kind="checkpoint_corrupt",reason="none"} 1\n`)
      assert.include(text, `switchboard_connector_last_submission_timestamp_seconds{${labels}} ${submitted / 1000}\n`)
      assert.include(text, `switchboard_connector_checkpoint_updated_timestamp_seconds{${labels}} `)
    }).pipe(Effect.provide(NodeContext.layer)))
})
