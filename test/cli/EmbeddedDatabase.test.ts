/**
 * The embedded database behind `npm start` is reachable only by the hub's OS user: it is served on a
 * Unix socket inside the 0700 data directory, never on a TCP port (PGlite checks no password). The CLI
 * still reaches it while a hub runs, and opens the data directory itself when none does.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as HubProcess from "../delivery/support/HubProcess.js"
import { repo } from "../support/Cli.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-embedded-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const embeddedEnv = (dir: string) => ({ DATABASE_URL: undefined, SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_DEV_TOKEN: "false" })

interface Ran {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a program to completion with this environment (undefined values unset); as another user with `uid`. */
const runProgram = (file: string, args: ReadonlyArray<string>, env: Record<string, string | undefined>) =>
  Effect.async<Ran>((resume) => {
    const vars = Object.entries({ ...process.env, ...env }).filter((kv): kv is [string, string] => kv[1] !== undefined)
    Child.execFile(file, [...args], { cwd: repo, env: Object.fromEntries(vars) }, (error, stdout, stderr) =>
      resume(Effect.succeed({
        exitCode: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
        stdout: stdout.trim(),
        stderr: stderr.trim()
      })))
  })

const cli = (dir: string, ...args: ReadonlyArray<string>) =>
  runProgram(Path.join(repo, "scripts/switchboard"), args, { ...embeddedEnv(dir), SWITCHBOARD_LOG_LEVEL: "warn" })

const Served = Schema.parseJson(Schema.Struct({ host: Schema.String, port: Schema.Number, pid: Schema.Number }))

/** The TCP ports a process listens on, from /proc (Linux). */
const listeningTcpPorts = (pid: number) =>
  Effect.sync(() => {
    const inodes = new Set(
      Fs.readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(Fs.readlinkSync(`/proc/${pid}/fd/${fd}`))
          return m?.[1] === undefined ? [] : [m[1]]
        } catch {
          return []
        }
      })
    )
    return ["tcp", "tcp6"].flatMap((table) =>
      Fs.readFileSync(`/proc/${pid}/net/${table}`, "utf8").split("\n").slice(1).flatMap((line) => {
        const cols = line.trim().split(/\s+/)
        // local_address is HEXIP:HEXPORT, st 0A is LISTEN, the inode is column 10.
        const port = cols[1]?.split(":")[1]
        return cols[3] === "0A" && port !== undefined && inodes.has(cols[9] ?? "") ? [parseInt(port, 16)] : []
      })
    ).sort((a, b) => a - b)
  })

/** A Postgres client run as the OS user `nobody` against what the hub's embedded.json names. */
const connectAsNobody = (host: string, port: number) =>
  runProgram("setpriv", [
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    process.execPath,
    "-e",
    `const pg = require(${JSON.stringify(Path.join(repo, "node_modules/pg"))})
     const c = new pg.Client({ host: process.argv[1], port: Number(process.argv[2]), user: "postgres", database: "postgres", connectionTimeoutMillis: 5000 })
     c.connect().then(() => c.query("SELECT 1 AS one")).then(() => { console.log("connected"); process.exit(0) },
       (e) => { console.log("refused: " + (e.code ?? e.message)); process.exit(3) })`,
    host,
    String(port)
  ], {})

describe("the embedded database", () => {
  it.scoped("is served on a socket in the 0700 data directory: no TCP port, and another OS user is refused", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const hub = yield* HubProcess.start(embeddedEnv(dir))
      const httpPort = Number(new URL(hub.url).port)
      const served = Schema.decodeUnknownSync(Served)(Fs.readFileSync(Path.join(dir, "embedded.json"), "utf8"))
      assert.strictEqual(served.pid, hub.child.pid)

      assert.deepStrictEqual(yield* listeningTcpPorts(served.pid), [httpPort], "the hub listens on its HTTP port only")
      assert.strictEqual(served.host, dir)
      assert.isTrue(Fs.statSync(Path.join(dir, `.s.PGSQL.${served.port}`)).isSocket())
      const stat = Fs.statSync(dir)
      assert.strictEqual(stat.mode & 0o777, 0o700)
      assert.strictEqual(stat.uid, process.getuid?.())

      // Only root can act as another user; CI runs as root.
      if (process.getuid?.() === 0) {
        const other = yield* connectAsNobody(served.host, served.port)
        assert.strictEqual(other.exitCode, 3, `${other.stdout} ${other.stderr}`)
        assert.include(other.stdout, "refused: EACCES")
      }
      yield* HubProcess.kill(hub, "SIGTERM")
    }), 120_000)

  it.scoped("the token CLI works on it while the hub runs and when no hub runs", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const hub = yield* HubProcess.start(embeddedEnv(dir))
      const created = yield* cli(dir, "token", "create", "--channel", "sandbox", "--provider", "sandbox", "--endpoint", "*", "--json")
      assert.strictEqual(created.exitCode, 0, created.stderr)
      const id = Schema.decodeUnknownSync(Schema.parseJson(Schema.Struct({ id: Schema.String })))(created.stdout).id
      const during = yield* cli(dir, "token", "list")
      assert.strictEqual(during.exitCode, 0, during.stderr)
      assert.include(during.stdout, id)
      yield* HubProcess.kill(hub, "SIGTERM")

      assert.isFalse(Fs.existsSync(Path.join(dir, "embedded.json")), "the stopped hub no longer advertises its socket")
      const after = yield* cli(dir, "token", "list")
      assert.strictEqual(after.exitCode, 0, after.stderr)
      assert.include(after.stdout, id)
    }), 150_000)

  it.scoped("a data directory too deep for a socket path gets a private 0700 socket directory of its own", () =>
    Effect.gen(function*() {
      const dir = Path.join(yield* tempDir, "a-data-directory-whose-path-is-too-long-for-a-unix-socket-of-107-bytes")
      const hub = yield* HubProcess.start(embeddedEnv(dir))
      const served = Schema.decodeUnknownSync(Served)(Fs.readFileSync(Path.join(dir, "embedded.json"), "utf8"))
      assert.notStrictEqual(served.host, dir)
      assert.isTrue(Fs.statSync(Path.join(served.host, `.s.PGSQL.${served.port}`)).isSocket())
      assert.strictEqual(Fs.statSync(served.host).mode & 0o777, 0o700)
      assert.strictEqual(Fs.statSync(dir).mode & 0o777, 0o700)
      const list = yield* cli(dir, "token", "list")
      assert.strictEqual(list.exitCode, 0, list.stderr)
      yield* HubProcess.kill(hub, "SIGTERM")
      assert.isFalse(Fs.existsSync(served.host), "the socket directory goes with the hub")
    }), 120_000)
})
