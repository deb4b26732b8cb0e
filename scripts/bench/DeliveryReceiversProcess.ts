/** Runs DeliveryReceivers.ts as a child process for the bench's scope; reads its ports and counts. */
import { Data, Effect, Either, Schema } from "effect"
import * as Child from "node:child_process"
import * as Path from "node:path"

class ReceiversFailed extends Data.TaggedError("ReceiversFailed")<{ readonly message: string }> {}

const Stats = Schema.parseJson(Schema.Struct({ requests: Schema.Number, unique: Schema.Number }))
const Ports = Schema.parseJson(Schema.Struct({ ports: Schema.Array(Schema.Number) }))

const script = Path.resolve(import.meta.dirname, "DeliveryReceivers.ts")

export const start = (count: number) =>
  Effect.gen(function*() {
    const { ports } = yield* Effect.acquireRelease(
      Effect.async<{ child: Child.ChildProcess; ports: ReadonlyArray<number> }, ReceiversFailed>((resume) => {
        const child = Child.spawn(process.execPath, ["--import", "tsx", script, String(count)], {
          stdio: ["ignore", "pipe", "inherit"]
        })
        let out = ""
        let done = false
        child.stdout?.on("data", (chunk: Buffer) => {
          if (done) return
          out += chunk.toString("utf8")
          const line = out.split("\n")[0]
          if (out.includes("\n") && line !== undefined) {
            done = true
            const decoded = Schema.decodeEither(Ports)(line)
            resume(
              Either.isRight(decoded)
                ? Effect.succeed({ child, ports: decoded.right.ports })
                : Effect.fail(new ReceiversFailed({ message: `unexpected output: ${line}` }))
            )
          }
        })
        child.once("exit", (code) => done || resume(Effect.fail(new ReceiversFailed({ message: `receivers exited (${code})` }))))
      }),
      ({ child }) =>
        Effect.async<void>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
          child.once("exit", () => resume(Effect.void))
          child.kill("SIGTERM")
        })
    )
    const stats = Effect.tryPromise({
      try: () => fetch(`http://127.0.0.1:${ports[0]}/stats`).then((r) => r.text()),
      catch: (e) => new ReceiversFailed({ message: `stats: ${String(e)}` })
    }).pipe(Effect.flatMap(Schema.decode(Stats)), Effect.orDie)
    return { urls: ports.map((p) => `http://127.0.0.1:${p}/hook`), stats }
  })
