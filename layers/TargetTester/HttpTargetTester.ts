/** TargetTester over HTTP (issue 12). Placeholder until the test send lands. */
import { Effect, Layer } from "effect"
import { TargetTester } from "../../services/TargetTester.js"

export const layer = Layer.succeed(TargetTester, TargetTester.of({ test: () => Effect.dieMessage("TargetTester: not built yet") }))
