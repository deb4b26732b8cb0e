import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as FakeTelegram from "../support/FakeTelegram.js"
import * as TestHub from "../support/TestHub.js"
import * as ConnectorProcess from "./ConnectorProcess.js"
import * as E2E from "./EndToEnd.js"

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("telegram connector process end to end", (it) => {
  it.effect("kill -9 mid-stream and restart: every update is in the inbox exactly once", () =>
    Effect.scoped(Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const fake = yield* FakeTelegram.make(E2E.BOT_TOKEN)
      const endpoint = "kill_bot"
      const dir = yield* E2E.tempDir
      const env = E2E.connectorEnv(fake, { url: hub.url, token: yield* E2E.connectorToken(hub, endpoint) }, endpoint, dir)
      const all = E2E.range(1, 2000)
      fake.push(...E2E.range(1, 1000).map((id) => E2E.updateOf(fake, id)))

      const first = yield* ConnectorProcess.start(env)
      yield* E2E.waitForRows(endpoint, 200)
      yield* first.kill9
      const atKill = (yield* E2E.inboxIds(endpoint)).length
      assert.isBelow(atKill, E2E.ingestible(all).length, "the kill must happen mid-stream")

      fake.push(...E2E.range(1001, 2000).map((id) => E2E.updateOf(fake, id)))
      const second = yield* ConnectorProcess.start(env)
      yield* E2E.waitForRows(endpoint, E2E.ingestible(all).length)
      yield* E2E.waitFor("the checkpoint at the last update", () =>
        JSON.stringify(E2E.readCursor(dir)) === JSON.stringify({ last_update_id: 2000 }))
      // the offset after the checkpoint confirms everything: Telegram (the fake) holds nothing more
      yield* E2E.waitFor("Telegram to forget confirmed updates", () => fake.updates.length === 0)
      assert.strictEqual(yield* second.terminate, 0)

      const ids = yield* E2E.inboxIds(endpoint)
      assert.strictEqual(ids.length, E2E.ingestible(all).length)
      assert.deepStrictEqual([...ids].sort((a, b) => a - b), E2E.ingestible(all))
      const photos = E2E.ingestible(all).filter((id) => id % 250 === 0)
      assert.strictEqual(yield* E2E.attachedCount(endpoint), photos.length, "every photo is stored and attached")
      for (const output of [first.output(), second.output()]) {
        assert.notInclude(output, E2E.BOT_TOKEN.split(":")[1]!)
        assert.notInclude(output, E2E.TEXT_MARKER)
      }
      assert.include(second.output(), "resuming from checkpoint")
    })))
})
