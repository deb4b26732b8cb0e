#!/usr/bin/env node
/**
 * The compiled build (issue 14): bundles src/main.ts and everything it imports into one ES module,
 * dist/switchboard.js, which `scripts/switchboard` (so `npm start` and connector processes) runs with
 * plain `node`. Running from the sources under tsx compiles ~600 TypeScript files and resolves ~1,500
 * package modules at every start (4–7 s per CLI command); the bundle is parsed once (under 0.5 s).
 *
 * Run by `npm ci` / `npm install` (`prepare`), by `npm test` (`pretest`), and by scripts/switchboard
 * itself when a source file is newer than the bundle, so an edited checkout never runs stale code.
 * Packages with native code or files found next to their own module (sharp, PGlite's WebAssembly, tsx)
 * stay external and load from node_modules. Tests run from the sources (vitest), not from this build.
 *
 *   node scripts/build.mjs [--quiet]
 */
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const quiet = process.argv.includes("--quiet")
const outfile = path.join(root, "dist", "switchboard.js")
const started = new Date()
// Written next to the target and renamed over it: a process starting meanwhile sees the old bundle or the new one.
const temporary = path.join(root, "dist", `.switchboard.${process.pid}.${Date.now()}.js`)

fs.mkdirSync(path.dirname(outfile), { recursive: true })
try {
  const result = await esbuild.build({
    entryPoints: [path.join(root, "src", "main.ts")],
    outfile: temporary,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    sourcemap: "linked",
    write: false,
    logLevel: quiet ? "error" : "warning",
    metafile: !quiet,
    // Native addons, WebAssembly or data files resolved from the package's own directory, optional peers.
    external: ["sharp", "@electric-sql/*", "pg-native", "tsx", "tsx/*", "lmdb", "ioredis", "msgpackr-extract", "playwright-core"],
    // CommonJS packages inside an ES module bundle call `require` for Node's built-ins.
    banner: { js: "import { createRequire as __switchboardRequire } from 'node:module'; const require = __switchboardRequire(import.meta.url);" }
  })
  for (const file of result.outputFiles) {
    // The map is named after the final file (`NODE_OPTIONS=--enable-source-maps` shows source positions).
    const text = file.path.endsWith(".map")
      ? file.contents
      : file.text.replace(`sourceMappingURL=${path.basename(temporary)}.map`, `sourceMappingURL=${path.basename(outfile)}.map`)
    fs.writeFileSync(file.path, text)
  }
  fs.renameSync(`${temporary}.map`, `${outfile}.map`)
  fs.renameSync(temporary, outfile)
  // The bundle is as old as the sources it read: a file saved during the build makes it stale again.
  fs.utimesSync(outfile, started, started)
  if (!quiet) {
    const bytes = fs.statSync(outfile).size
    const inputs = Object.keys(result.metafile.inputs).length
    process.stderr.write(`build: dist/switchboard.js (${(bytes / 1048576).toFixed(1)} MiB, ${inputs} modules) in ${Date.now() - started.getTime()} ms\n`)
  }
} catch (error) {
  fs.rmSync(temporary, { force: true })
  fs.rmSync(`${temporary}.map`, { force: true })
  process.stderr.write(`build: failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`)
  process.exit(1)
}
