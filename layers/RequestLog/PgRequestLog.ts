/** RequestLog on Postgres (issue 12). Placeholder: the real queries land with the console's read side. */
import { Effect, Layer } from "effect"
import { RequestLog } from "../../services/RequestLog.js"

const todo = (what: string) => Effect.dieMessage(`RequestLog.${what}: not built yet (issue 12)`)

export const layer = Layer.succeed(RequestLog, RequestLog.of({
  list: () => todo("list"),
  count: () => todo("count"),
  get: () => todo("get"),
  getByKey: () => todo("getByKey")
}))
