/**
 * Delivery never reaches addresses it must not (SSRF): link-local/metadata always refused, loopback and
 * private refused unless allowed, names checked on every resolved address at connect time, and the
 * hub's own port never. A refusal is a dead letter at once, naming the reason, with no connection made.
 * A defect in an attempt counts as an attempt under the retry policy and ends as a dead letter.
 */
import { HttpClient } from "@effect/platform"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as WebhookPoster from "../../layers/Delivery/WebhookPoster.js"
import { refusal } from "../../src/delivery/Addresses.js"
import type { ClaimedDelivery } from "../../services/DeliveryStore.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import * as TestHub from "../support/TestHub.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import { fastDelivery } from "./support/TestOptions.js"

describe("the address guard", () => {
  it("refuses link-local, metadata and odd ranges always, private ranges unless allowed", () => {
    for (const ip of ["169.254.169.254", "fe80::1", "fd00:ec2::254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::"]) {
      assert.isString(refusal(ip, true), ip)
    }
    for (const ip of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "fc00::1"]) {
      assert.isString(refusal(ip, false), ip)
      assert.isUndefined(refusal(ip, true), ip)
    }
    assert.isUndefined(refusal("93.184.216.34", false))
    assert.isUndefined(refusal("2606:2800:220:1:248:1893:25c8:1946", false))
  })

  it.effect("a defect in an attempt is a failed attempt: backoff, then a dead letter when attempts run out", () =>
    Effect.gen(function*() {
      const dying = HttpClient.make(() => Effect.die(new Error("boom")))
      const attempt = WebhookPoster.make(dying, { ...fastDelivery, allowPrivate: true })
      const row = (attempts: number): ClaimedDelivery => ({
        request_id: "01a2b3c4-0000-7000-8000-000000000001",
        target: "t",
        attempts,
        claim_token: "c",
        webhook_id: "msg_1",
        endpoint: { url: "http://93.184.216.34/hook", secret: Redacted.make(`whsec_${Buffer.alloc(32, 1).toString("base64")}`) },
        request: {} as ClaimedDelivery["request"]
      } as ClaimedDelivery)
      const early = yield* attempt(row(0))
      assert.strictEqual(early._tag, "Retry")
      const last = yield* attempt(row(fastDelivery.retry.maxAttempts - 1))
      assert.strictEqual(last._tag, "Dead")
    }))
})

const Strict = DeliveryWorker.layerWith({ ...fastDelivery, allowPrivate: false }).pipe(Layer.provideMerge(TestHub.layer))

layer(Strict, { excludeTestServices: true, timeout: 120_000 })("delivery with private targets refused", (it) => {
  it.scoped("metadata, loopback literals and a name resolving to loopback become dead letters without a connection", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const port = new URL(receiver.url).port
      // Metadata and link-local addresses are refused when the target is added, in any spelling.
      for (const url of ["http://169.254.169.254/latest/meta-data/", "http://0xa9fea9fe/", "http://[fe80::1]/"]) {
        const added = yield* Effect.flip((yield* RoutingStore).addTarget({ name: "ssrf-meta", url, secret: Redacted.make(`whsec_${Buffer.alloc(32, 2).toString("base64")}`) }))
        assert.include(String(added.message), "never a delivery target", url)
      }
      const targets = {
        "ssrf-loopback": receiver.url,
        "ssrf-hex": `http://0x7f000001:${port}/`,
        "ssrf-v6": `http://[::1]:${port}/`,
        "ssrf-name": `http://localhost:${port}/`
      }
      for (const [name, url] of Object.entries(targets)) {
        yield* S.addTarget(name, url)
        yield* S.addRoute({ endpoint_identity: name, target: name })
      }
      yield* S.refresh
      for (const name of Object.keys(targets)) {
        const id = yield* S.ingest(S.envelope(`${name}-1`, { endpoint: name }))
        const state = yield* S.waitForState(id, "dead_lettered")
        const outcome = S.outcomeOf(state, name)
        assert.strictEqual(outcome.attempts, 1, name)
        assert.include(String(outcome.last_error), "address refused", name)
      }
      assert.strictEqual(receiver.received().length, 0)
    }))
})
