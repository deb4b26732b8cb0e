/** Sends one signed test event to a target and reports the receiver's answer (POST /api/targets/{name}/test). */
import { Context, type Effect } from "effect"
import type { TargetTestResult } from "../src/domain/Console.js"
import type { RoutingStoreUnavailable, TargetNotFound } from "./RoutingStore.js"

export interface TargetTesterService {
  /**
   * Signs a `switchboard.test` event with the target's secret exactly as deliveries are signed and POSTs it
   * through the same address guard; nothing is stored. An action target cannot be tested this way (TargetNotFound
   * names why). The receiver's failure is a result (`ok: false`), not an error.
   */
  readonly test: (name: string) => Effect.Effect<TargetTestResult, TargetNotFound | RoutingStoreUnavailable>
}

export class TargetTester extends Context.Tag("switchboard/TargetTester")<TargetTester, TargetTesterService>() {}
