/**
 * `switchboard connectors …` on the local database and against a hub's API (SWITCHBOARD_URL): exit codes
 * 0 / 1 / 2 / 64 of the real process (a subprocess), then history with no-ops, export → import, remote
 * mode, tenants and scaffold with the same command tree run in-process (test/support/CliInProcess.ts).
 */
import { Command, FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema, Stream, String as Str } from "effect"
import * as NodePath from "node:path"
import { RegistryEntry, RegistryEvent } from "../../services/ConnectorRegistry.js"
import * as Cli from "../support/Cli.js"
import * as CliInProcess from "../support/CliInProcess.js"
import { postJson } from "../support/Http.js"
import { SdkHub, type SdkHubInfo, layer as SdkHubLayer } from "../sdk/RegistryTestHub.js"

/** Runs a tool of the repo (npx tsc, npx vitest) to completion from the repo's root. */
const exec = (command: string, args: ReadonlyArray<string>) =>
  Effect.scoped(Effect.gen(function*() {
    const child = yield* Command.make(command, ...args).pipe(Command.workingDirectory(Cli.repo), Command.start)
    const text = (s: Stream.Stream<Uint8Array, unknown>) => s.pipe(Stream.decodeText(), Stream.mkString, Effect.orElseSucceed(() => ""))
    const [stdout, stderr, exitCode] = yield* Effect.all([text(child.stdout), text(child.stderr), child.exitCode], { concurrency: "unbounded" })
    return { exitCode: Number(exitCode), stdout: Str.trim(stdout), stderr: Str.trim(stderr) }
  })).pipe(Effect.orDie)

/** Each CLI run starts a Node process with tsx (seconds on a busy machine). */
const SLOW = 300_000

const Env = Layer.merge(SdkHubLayer, NodeContext.layer)
const Entries = Schema.parseJson(Schema.Array(RegistryEntry))
const Events = Schema.parseJson(Schema.Array(RegistryEvent))

layer(Env, { excludeTestServices: true, timeout: 240_000 })("connectors CLI", (it) => {
  type Options = { readonly token?: string; readonly remote?: boolean }
  const envOf = (hub: SdkHubInfo, options: Options) => ({
    DATABASE_URL: hub.databaseUrl,
    SWITCHBOARD_LOG_LEVEL: "warn",
    ...(options.token === undefined ? {} : { SWITCHBOARD_TOKEN: options.token }),
    ...(options.remote === true ? { SWITCHBOARD_URL: hub.url } : {})
  })
  /** The CLI as a process on the hub's database (local mode), optionally as a token or against the hub (`remote`). */
  const subprocess = (args: ReadonlyArray<string>, options: Options = {}) =>
    Effect.flatMap(SdkHub, (hub) => Cli.run(["connectors", ...args], envOf(hub, options)))
  /** The same, in-process. */
  const cli = (args: ReadonlyArray<string>, options: Options = {}) =>
    Effect.flatMap(SdkHub, (hub) => CliInProcess.run(["connectors", ...args], envOf(hub, options)))

  const expectExit = (answer: { readonly exitCode: number; readonly stdout: string; readonly stderr: string }, code: number, ...texts: ReadonlyArray<string>) => {
    assert.strictEqual(answer.exitCode, code, `${answer.stdout}\n${answer.stderr}`)
    for (const text of texts) assert.include(answer.stdout + answer.stderr, text)
  }

  it.scoped("exit codes: 0 success, 1 error, 2 role denied, 64 usage; --help documents them", () =>
    Effect.gen(function*() {
      const hub = yield* SdkHub
      const viewer = yield* hub.mint({ role: "viewer" })
      const ingest = yield* hub.mint({ role: "ingest" })
      // The real process's exit codes: 0, 1, 2, 64, and --help documenting them.
      const listed = yield* subprocess(["list", "--json"])
      expectExit(listed, 0)
      assert.includeMembers(Schema.decodeUnknownSync(Entries)(listed.stdout).map((e) => e.connector_id), ["sandbox", "telegram", "gmail"])
      expectExit(yield* subprocess(["enable", "ghost"]), 1, "ConnectorUnknown")
      expectExit(yield* subprocess(["register", "--id", "x", "--module", "./x.ts", "--class", "default"], { token: viewer.token }), 2, "RoleDenied")
      expectExit(yield* subprocess(["list", "--bogus"]), 64, "--bogus")
      const help = yield* subprocess(["--help"])
      expectExit(help, 0, "64 usage error", "2 role denied")

      // The same mapping in-process, for the other cases.
      expectExit(yield* cli(["list"], { token: viewer.token }), 0, "builtin:sandbox")
      expectExit(yield* cli(["list"], { token: ingest.token }), 2, "connectors.list needs role viewer or higher")
      expectExit(yield* cli(["list"], { token: "sw_test_notatoken" }), 1, "Unauthorized")
      expectExit(yield* cli(["test", "sandbox", "--action", "create", "--payload", "{nope"]), 64, "--payload must be a JSON object")
      expectExit(yield* cli(["test", "sandbox", "--action", "get"]), 64, "--action get needs --resource-id")
      expectExit(yield* cli(["register", "--id", "x", "--class", "default"]), 64)

      const fs = yield* FileSystem.FileSystem
      const file = yield* fs.makeTempFileScoped()
      yield* fs.writeFileString(file, `${viewer.token}\n`)
      expectExit(yield* cli(["disable", "sandbox", "--token-file", file]), 2, "RoleDenied")
    }), SLOW)

  it.effect("history shows every event, also the ones that changed nothing, with their actor", () =>
    Effect.gen(function*() {
      const hub = yield* SdkHub
      const admin = yield* hub.mint({ role: "admin" })
      expectExit(yield* cli(["register", "--id", "hist", "--module", "./h.ts", "--class", "Hist", "--scopes", "read,write"]), 0, "registered hist")
      expectExit(yield* cli(["enable", "hist"], { token: admin.token }), 0)
      expectExit(yield* cli(["disable", "hist"], { token: admin.token }), 0, "disabled hist")
      const history = yield* cli(["history", "hist", "--json"])
      expectExit(history, 0)
      assert.deepStrictEqual(Schema.decodeUnknownSync(Events)(history.stdout).map((e) => [e.kind, e.actor, e.changed]), [
        ["register", "local-admin", true],
        ["enable", admin.id, false],
        ["disable", admin.id, true]
      ])
      expectExit(yield* cli(["history", "hist"]), 0, "local-admin", admin.id)
    }), SLOW)

  it.scoped("export → import round trip: one event per line that differs; a bad file names its lines and changes nothing", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const exported = yield* cli(["export", "--jsonl"])
      expectExit(exported, 0)
      const lines = exported.stdout.split("\n")
      assert.deepStrictEqual(Object.keys(JSON.parse(lines[0]!)), ["connector_id", "module", "class_name", "enabled", "auth_type", "scopes", "created_at", "updated_at"])
      const file = yield* fs.makeTempFileScoped({ prefix: "registry-" })
      yield* fs.writeFileString(file, `${exported.stdout}\n`)

      expectExit(yield* cli(["disable", "telegram"]), 0)
      const imported = yield* cli(["import", file])
      expectExit(imported, 0, `imported ${lines.length} lines: 1 events appended (enable telegram), ${lines.length - 1} unchanged`)
      const again = yield* cli(["export", "--jsonl"])
      const state = (text: string) => text.split("\n").map((l) => ({ ...JSON.parse(l), updated_at: "" }))
      assert.deepStrictEqual(state(again.stdout), state(exported.stdout))

      const bad = yield* fs.makeTempFileScoped({ prefix: "bad-" })
      yield* fs.writeFileString(bad, `${lines[0]}\n{"connector_id":"y","module":"./y.ts","class_name":"default","enabled":"yes","auth_type":"env","scopes":[],"created_at":"","updated_at":""}\nnot json\n`)
      expectExit(yield* cli(["import", bad]), 1, "ResourceInvalid", "line 2: enabled", "line 3: malformed JSON")
      expectExit(yield* cli(["history", "y"]), 1, "ConnectorUnknown")
    }), SLOW)

  it.effect("remote mode: the same commands against a hub's API, with the same exit codes", () =>
    Effect.gen(function*() {
      const hub = yield* SdkHub
      const admin = yield* hub.mint({ role: "admin" })
      const viewer = yield* hub.mint({ role: "viewer" })
      expectExit(yield* cli(["list"], { remote: true, token: viewer.token }), 0, "builtin:sandbox")
      expectExit(yield* cli(["list"], { remote: true }), 1, "Unauthorized")
      expectExit(yield* cli(["register", "--id", "remote-x", "--module", "./r.ts", "--class", "default"], { remote: true, token: viewer.token }), 2, "RoleDenied")
      expectExit(yield* cli(["register", "--id", "remote-x", "--module", "./r.ts", "--class", "default"], { remote: true, token: admin.token }), 0, "registered remote-x")
      expectExit(yield* cli(["enable", "ghost"], { remote: true, token: admin.token }), 1, "ConnectorUnknown")
      const history = yield* cli(["history", "remote-x", "--json"], { remote: true, token: admin.token })
      expectExit(history, 0)
      assert.deepStrictEqual(Schema.decodeUnknownSync(Events)(history.stdout).map((e) => e.actor), [admin.id])
      const exported = yield* cli(["export", "--jsonl"], { remote: true, token: admin.token })
      expectExit(exported, 0, `"connector_id":"remote-x"`)
    }), SLOW)

  it.effect("tenant isolation across API and CLI for connectors test", () =>
    Effect.gen(function*() {
      const hub = yield* SdkHub
      const acme = yield* hub.mint({ role: "operator", tenant: "acme" })
      const globex = yield* hub.mint({ role: "operator", tenant: "globex" })
      const viewer = yield* hub.mint({ role: "viewer", tenant: "acme" })
      const made = yield* postJson(`${hub.url}/sdk/connectors/sandbox/resources/items`, acme.token, { id: "iso-1", owner: "acme" })
      assert.strictEqual(made.status, 201)
      const get = ["test", "sandbox", "--action", "get", "--resource-id", "iso-1"]
      expectExit(yield* cli(get, { token: acme.token }), 0, `"owner":"acme"`)
      expectExit(yield* cli(get, { token: acme.token, remote: true }), 0, `"owner":"acme"`)
      expectExit(yield* cli(get, { token: globex.token }), 1, "ResourceNotFound")
      expectExit(yield* cli(get, { token: globex.token, remote: true }), 1, "ResourceNotFound")
      expectExit(yield* cli(get), 1, "ResourceNotFound")
      expectExit(yield* cli(get, { token: viewer.token }), 2, "RoleDenied")
      expectExit(yield* cli(get, { token: viewer.token, remote: true }), 2, "RoleDenied")
      const created = yield* cli(["test", "sandbox", "--action", "create", "--payload", `{"id":"iso-2"}`, "--json"], { token: globex.token })
      expectExit(created, 0, `"dry_run": false`)
      const listed = yield* cli(["test", "sandbox", "--action", "list", "--json"], { token: acme.token, remote: true })
      assert.notInclude(listed.stdout, "iso-2")
    }), SLOW)

  it.scoped("scaffold writes a connector that typechecks, passes its own test, and loads through the registry", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* Effect.acquireRelease(
        fs.makeTempDirectory({ directory: NodePath.join(Cli.repo, "test/cli"), prefix: "scaffold-" }),
        (d) => fs.remove(d, { recursive: true }).pipe(Effect.orDie)
      )
      const relative = NodePath.relative(Cli.repo, dir)
      expectExit(yield* cli(["scaffold", "crm-notes", "--dir", relative]), 0, "crm-notes.ts", "crm-notes.test.ts")
      expectExit(yield* cli(["scaffold", "crm-notes", "--dir", relative]), 64, "exists; nothing was written")
      yield* fs.writeFileString(
        NodePath.join(dir, "tsconfig.json"),
        JSON.stringify({ extends: NodePath.relative(dir, NodePath.join(Cli.repo, "tsconfig.json")), include: ["*.ts"] })
      )
      const tsc = yield* exec("npx", ["tsc", "--noEmit", "-p", NodePath.join(relative, "tsconfig.json")])
      expectExit(tsc, 0)
      const vitest = yield* exec("npx", ["vitest", "run", NodePath.join(relative, "crm-notes.test.ts")])
      expectExit(vitest, 0, "2 passed")
      const conformance = yield* exec("npx", ["tsx", "scripts/conformance.ts", "crm-notes", "--module", `./${relative}/crm-notes.ts`])
      expectExit(conformance, 0, "PASS")
      expectExit(yield* cli(["register", "--id", "crm-notes", "--module", `./${relative}/crm-notes.ts`, "--class", "default"]), 0)
      expectExit(
        yield* cli(["test", "crm-notes", "--action", "create", "--resource-type", "contacts", "--payload", `{"id":"c1","name":"Ada"}`]),
        0,
        "created contacts/c1"
      )
      expectExit(yield* cli(["test", "crm-notes", "--action", "list", "--resource-type", "nope"]), 1, "ResourceInvalid")
    }), SLOW)
})
