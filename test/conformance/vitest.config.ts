/** Only for `npm run conformance` (scripts/conformance.ts): runs the suite for one connector chosen by environment. */
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/conformance/Runner.conformance.ts"],
    globalSetup: ["test/support/GlobalSetup.ts"],
    server: { deps: { inline: ["@effect/sql"] } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 1, minForks: 1 } }
  }
})
