/**
 * `switchboard token create --role … --tenant …` on a fresh database, with the CLI's command tree run
 * in-process (test/support/CliInProcess.ts; TokenCli.test.ts drives the token commands as a subprocess):
 * roles in any case, `read` as the old name of viewer, tenants shown by `token list`, and bad input
 * answered as a usage error naming the allowed values.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Schema } from "effect"
import { TokenRecord } from "../../services/TokenStore.js"
import * as CliInProcess from "../support/CliInProcess.js"
import * as TestDatabase from "../support/TestDatabase.js"

class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}
const Env = Layer.merge(Layer.scoped(Target, TestDatabase.freshTarget), NodeContext.layer)

const Created = Schema.parseJson(Schema.extend(TokenRecord, Schema.Struct({ token: Schema.String })))
const Listed = Schema.parseJson(Schema.Array(TokenRecord))

const scope = ["--channel", "*", "--provider", "*", "--endpoint", "*"]

layer(Env, { excludeTestServices: true, timeout: 180_000 })("token CLI: roles and tenants", (it) => {
  const cli = (...args: ReadonlyArray<string>) =>
    Effect.flatMap(Target, (t) =>
      CliInProcess.run(args, { DATABASE_URL: `postgres://postgres@${t.host}:${t.port}/${t.database}`, SWITCHBOARD_LOG_LEVEL: "warn" }))

  /** A usage error: neither success (0) nor a runtime error (1). */
  const assertUsage = (answer: { readonly exitCode: number; readonly stdout: string; readonly stderr: string }, ...expected: ReadonlyArray<string>) => {
    assert.notInclude([0, 1], answer.exitCode, `a usage error has its own exit code: ${answer.stdout} ${answer.stderr}`)
    for (const text of expected) assert.include(answer.stdout + answer.stderr, text)
  }

  it.effect("create --role Operator --tenant acme, then list shows the role and the tenant", () =>
    Effect.gen(function*() {
      const created = yield* cli("token", "create", ...scope, "--role", "Operator", "--tenant", "acme", "--json")
      assert.strictEqual(created.exitCode, 0, created.stderr)
      const token = Schema.decodeUnknownSync(Created)(created.stdout)
      assert.deepStrictEqual([token.role, token.tenant], ["operator", "acme"])

      const legacy = yield* cli("token", "create", ...scope, "--role", "read", "--json")
      assert.strictEqual(legacy.exitCode, 0, legacy.stderr)
      assert.deepStrictEqual(
        (({ role, tenant }) => [role, tenant])(Schema.decodeUnknownSync(Created)(legacy.stdout)),
        ["viewer", "default"],
        "read is the old name of viewer; the tenant defaults to default"
      )

      const text = yield* cli("token", "list")
      assert.strictEqual(text.exitCode, 0, text.stderr)
      const header = text.stdout.split("\n")[0] ?? ""
      assert.match(header, /\brole\b.*\btenant\b/)
      const line = text.stdout.split("\n").find((l) => l.startsWith(token.id)) ?? ""
      assert.match(line, /\boperator\s+acme\b/)
      assert.notInclude(text.stdout, token.token)

      const json = yield* cli("token", "list", "--json")
      const mine = Schema.decodeUnknownSync(Listed)(json.stdout).find((r) => r.id === token.id)
      assert.deepStrictEqual([mine?.role, mine?.tenant], ["operator", "acme"])
    }))

  it.effect("an unknown role or a bad tenant is a usage error naming the allowed values, and creates nothing", () =>
    Effect.gen(function*() {
      const before = Schema.decodeUnknownSync(Listed)((yield* cli("token", "list", "--json")).stdout).length
      assertUsage(
        yield* cli("token", "create", ...scope, "--role", "superuser"),
        `--role "superuser" is not a role`,
        "viewer, author, operator, auditor, compliance, admin, ingest, actions"
      )
      assertUsage(
        yield* cli("token", "create", ...scope, "--tenant", "Acme Corp"),
        `--tenant "Acme Corp" is not a tenant name`,
        "1–63 of a-z 0-9 - _"
      )
      const after = Schema.decodeUnknownSync(Listed)((yield* cli("token", "list", "--json")).stdout).length
      assert.strictEqual(after, before)
      const help = yield* cli("token", "create", "--help")
      assert.strictEqual(help.exitCode, 0)
      assert.include(help.stdout, "--tenant")
      assert.include(help.stdout, "auditor")
    }))
})
