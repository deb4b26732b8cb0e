import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"

/**
 * Files known to run for minutes go first: started late, one of them keeps a fork busy after the other has
 * finished (a fresh clone has no timing cache for vitest to sort by).
 */
const LONG = ["test/ops/OperationsDoc.test.ts"]

class LongFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>) {
    const sorted = await super.sort(files)
    const isLong = (f: TestSpecification) => LONG.some((name) => f.moduleId.endsWith(name))
    return [...sorted.filter(isLong), ...sorted.filter((f) => !isLong(f))]
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/GlobalSetup.ts"],
    server: { deps: { inline: ["@effect/sql"] } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    sequence: { sequencer: LongFirst },
    reporters: ["default", ["json", { outputFile: "test-results/report.json" }]]
  }
})
