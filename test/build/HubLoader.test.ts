/**
 * A registered TypeScript connector module served by the hub as the build runs it (`scripts/switchboard
 * serve`, plain node on dist/switchboard.js): src/sdk/Loader.ts registers tsx's loader on demand, and the
 * module's answers and typed errors cross its own copy of the SDK into the hub's API unchanged.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as HubProcess from "../delivery/support/HubProcess.js"
import { repo } from "../support/Cli.js"
import { field, request } from "../support/Http.js"
import * as TestDatabase from "../support/TestDatabase.js"

const EXAMPLE = Path.join(repo, "test/fixtures/sdk/ExampleConnector.ts")

layer(Layer.empty, { excludeTestServices: true, timeout: 120_000 })("a connector module in the build's hub", (it) => {
  it.scoped("registered as a .ts file, it loads and answers: 201, 200, 404 ResourceNotFound, 400 ResourceInvalid", () =>
    Effect.gen(function*() {
      const target = yield* TestDatabase.freshTarget
      const hub = yield* HubProcess.start({
        DATABASE_URL: `postgres://postgres@${target.host}:${target.port}/${target.database}`,
        SWITCHBOARD_DEV_TOKEN: "true",
        SWITCHBOARD_FROM_SOURCE: undefined
      })
      const cmdline = Fs.readFileSync(`/proc/${hub.child.pid}/cmdline`, "utf8").split("\0")
      assert.isTrue(cmdline.some((arg) => arg.endsWith("dist/switchboard.js")), `the hub runs the build: ${cmdline.join(" ")}`)
      assert.isFalse(cmdline.some((arg) => arg.includes("tsx")), "not under tsx")
      // The banner's dev token lines follow the address line HubProcess waits for.
      const token = yield* Effect.sync(() => /dev token[^\n]*\n\s+(\S+)\n/.exec(hub.stdout())?.[1]).pipe(
        Effect.delay("50 millis"),
        Effect.repeat({ until: (t): t is string => t !== undefined }),
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error(`no dev token in ${hub.stdout()}`) }),
        Effect.orDie
      )
      const call = (method: string, path: string, body?: unknown) =>
        request(`${hub.url}/sdk/connectors${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        })

      const registered = yield* call("POST", "", { connector_id: "notes", module: EXAMPLE, class_name: "default" })
      assert.strictEqual(registered.status, 201, JSON.stringify(registered.body))
      const created = yield* call("POST", "/notes/resources/notes", { id: "n1", title: "from the build" })
      assert.strictEqual(created.status, 201, JSON.stringify(created.body))
      const read = yield* call("GET", "/notes/resources/notes/n1")
      assert.strictEqual(read.status, 200)
      assert.strictEqual(field(read.body, "title"), "from the build")
      const missing = yield* call("GET", "/notes/resources/notes/nope")
      assert.strictEqual(missing.status, 404, JSON.stringify(missing.body))
      assert.strictEqual(field(missing.body, "_tag"), "ResourceNotFound")
      const invalid = yield* call("POST", "/notes/resources/notes", { id: "n2" })
      assert.strictEqual(invalid.status, 400, JSON.stringify(invalid.body))
      assert.strictEqual(field(invalid.body, "_tag"), "ResourceInvalid")
    }))
})
