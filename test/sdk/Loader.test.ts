/** Dynamic loading of connector modules written to a temp folder at test time, checked against the SDK schema. */
import { NodeContext } from "@effect/platform-node"
import { FileSystem } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Config, Effect, Either, Layer, Option } from "effect"
import * as NodePath from "node:path"
import * as DefinitionSchema from "../../src/sdk/DefinitionSchema.js"
import * as Loader from "../../src/sdk/Loader.js"
import { repo } from "../support/Cli.js"

const definitionUrl = `file://${NodePath.join(repo, "services/ConnectorDefinition.ts")}`

const good = (id: string) => `
import { Config, Effect, Layer } from "effect"
import { defineConnector } from ${JSON.stringify(definitionUrl)}
import { ResourceConnector } from ${JSON.stringify(`file://${NodePath.join(repo, "services/ConnectorResources.ts")}`)}
export const Crm = defineConnector({
  id: ${JSON.stringify(id)},
  description: "a test connector",
  config: { variables: [{ name: "CRM_TOKEN", secret: true, required: false, description: "token" }], settings: Config.succeed(1) },
  resources: { layer: Layer.succeed(ResourceConnector, { resourceTypes: "*", connect: () => Effect.die("unused") }) }
})
`

const modules: Record<string, string> = {
  "good.ts": good("crm"),
  "default.ts": `${good("crm-default")}\nexport default Crm\n`,
  "wrong-shape.ts": `
import { Config } from "effect"
export default {
  id: "shape", description: "", config: { variables: [{ name: "lower", secret: true, required: "yes", description: "x", default: "d" }], settings: Config.succeed(1) },
  source: { channel: "telegram", provider: "slack", layer: {} },
  resources: { layer: 42 }
}
`,
  "no-face.ts": `import { Config } from "effect"\nexport default { id: "noface", description: "x", config: { variables: [], settings: Config.succeed(1) } }\n`,
  "not-object.ts": `export default 42\nexport const other = 1\n`,
  "throws.ts": `throw new Error("boom at import time")\n`
}

/** A fresh folder inside the repo (so its modules resolve `effect` from the repo's node_modules), removed after the test. */
const folder = Effect.acquireRelease(
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectory({ directory: NodePath.join(repo, "test/sdk"), prefix: ".loader-" })
    for (const [name, source] of Object.entries(modules)) yield* fs.writeFileString(NodePath.join(dir, name), source)
    return dir
  }),
  (dir) => Effect.flatMap(FileSystem.FileSystem, (fs) => fs.remove(dir, { recursive: true })).pipe(Effect.orDie)
)

const load = (dir: string, module: string, class_name: string, connector_id: string) =>
  Loader.load({ connector_id, module, class_name }, dir)

const failure = (dir: string, module: string, class_name: string, id: string) =>
  Effect.map(Effect.flip(load(dir, module, class_name, id)), (e) => e.message)

describe("connector loader", () => {
  it.scoped("loads a named export or the default one by a path relative to the working directory", () =>
    Effect.gen(function*() {
      const dir = yield* folder
      const crm = yield* load(dir, "./good.ts", "Crm", "crm")
      assert.strictEqual(crm.id, "crm")
      assert.isTrue(Layer.isLayer(crm.resources?.layer))
      assert.strictEqual((yield* load(dir, "./default.ts", "default", "crm-default")).id, "crm-default")
      assert.strictEqual((yield* load(repo, NodePath.join(dir, "good.ts"), "Crm", "crm")).id, "crm", "an absolute path works too")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("says exactly what is wrong: missing export, wrong shape, no face, not an object, id mismatch, import failure", () =>
    Effect.gen(function*() {
      const dir = yield* folder
      assert.include(yield* failure(dir, "./good.ts", "Missing", "crm"), "the module has no export named Missing (it exports: Crm)")
      const shape = yield* failure(dir, "./wrong-shape.ts", "default", "shape")
      for (
        const part of [
          "description must be 1–500 characters",
          "config.variables[0].name must be an upper-case environment variable name",
          "config.variables[0].required must be true or false",
          "source.layer is not a Layer",
          "resources.layer is not a Layer"
        ]
      ) assert.include(shape, part)
      assert.include(yield* failure(dir, "./no-face.ts", "default", "noface"), "must have at least one face (source, actions or resources)")
      assert.include(yield* failure(dir, "./not-object.ts", "default", "x"), "export default is not a ConnectorDefinition: is not an object (got number)")
      assert.include(yield* failure(dir, "./good.ts", "Crm", "other"), `export Crm defines connector "crm", not "other"`)
      assert.include(yield* failure(dir, "./throws.ts", "default", "t"), "cannot import the module: Error: boom at import time")
      assert.include(yield* failure(dir, "./absent.ts", "default", "t"), "cannot import the module")
      assert.include(yield* failure(dir, "no-such-package-sw", "default", "t"), "cannot import the module")
    }).pipe(Effect.provide(NodeContext.layer)))

  it("the schema reports a secret with a default and a source whose provider never carries its channel", () => {
    const checked = DefinitionSchema.check({
      id: "s",
      description: "d",
      config: { variables: [{ name: "A", secret: true, required: true, description: "x", default: "leak" }], settings: Config.succeed(1) },
      source: { channel: "telegram", provider: "slack", layer: Layer.empty }
    })
    assert.deepStrictEqual(Either.getLeft(checked), Option.some([
      "config.variables[0].default a secret has no default",
      "source.provider slack never carries channel telegram (allowed: telegram)"
    ]))
    assert.include(Either.getLeft(DefinitionSchema.check({ id: "s", description: "d", config: { variables: [], settings: 1 }, actions: { layer: Layer.empty } })).pipe(Option.getOrThrow).join(), "config.settings is not a Config")
    assert.isTrue(Either.isRight(DefinitionSchema.check({ id: "s", description: "d", config: { variables: [], settings: Config.succeed(1) }, actions: { layer: Layer.empty } })))
  })
})
