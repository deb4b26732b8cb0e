import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as FakeTelegram from "../support/FakeTelegram.js"
import * as TcpProxy from "../support/TcpProxy.js"
import * as TestHub from "../support/TestHub.js"
import * as ConnectorProcess from "./ConnectorProcess.js"
import * as E2E from "./EndToEnd.js"

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("telegram connector process end to end", (it) => {
  it.effect("the hub gone for 10 s mid-stream: nothing lost, and Telegram's offset never passes an unaccepted update", () =>
    Effect.scoped(Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const fake = yield* FakeTelegram.make(E2E.BOT_TOKEN)
      const proxy = yield* TcpProxy.make({ host: "127.0.0.1", port: Number(new URL(hub.url).port) })
      const endpoint = "outage_bot"
      const dir = yield* E2E.tempDir
      const token = yield* E2E.connectorToken(hub, endpoint)
      const env = E2E.connectorEnv(fake, { url: `http://127.0.0.1:${proxy.port}`, token }, endpoint, dir)
      const all = E2E.range(1, 1200)
      fake.push(...E2E.range(1, 600).map((id) => E2E.updateOf(fake, id)))

      const connector = yield* ConnectorProcess.start(env)
      yield* E2E.waitForRows(endpoint, 150)
      yield* proxy.cut
      fake.push(...E2E.range(601, 1200).map((id) => E2E.updateOf(fake, id)))
      yield* Effect.sleep("10 seconds")
      const duringOutage = yield* E2E.inboxIds(endpoint)
      // every update Telegram was told to forget (below the newest offset) is in the inbox, or was skipped
      const newestOffset = Math.max(...fake.offsets.map((o) => o ?? 0))
      const accepted = new Set(duringOutage)
      const confirmedButMissing = E2E.ingestible(E2E.range(1, newestOffset - 1)).filter((id) => !accepted.has(id))
      assert.deepStrictEqual(confirmedButMissing, [], "an offset confirmed updates the hub never accepted")
      assert.isBelow(duringOutage.length, E2E.ingestible(all).length)
      yield* proxy.restore

      yield* E2E.waitForRows(endpoint, E2E.ingestible(all).length, "50 seconds")
      yield* E2E.waitFor("Telegram to forget confirmed updates", () => fake.updates.length === 0)
      const ids = yield* E2E.inboxIds(endpoint)
      assert.deepStrictEqual([...ids].sort((a, b) => a - b), E2E.ingestible(all))
      assert.include(connector.output(), "hub did not take the submission, retrying")
      assert.strictEqual(yield* connector.terminate, 0)
      assert.deepStrictEqual(E2E.readCursor(dir), { last_update_id: 1200 })
    })))
})
