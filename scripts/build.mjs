#!/usr/bin/env node
/**
 * The compiled build (issue 14): bundles the two entry points into ES modules under dist/, which
 * `scripts/switchboard` (so `npm start` and connector processes) runs with plain `node`:
 *   dist/switchboard.js  src/main.ts, the whole command line and the hub
 *   dist/connector.js    src/connector-main.ts, `connector <type>`: the connector runtime and its client only
 * Code is split (esbuild `splitting`): what both entries use, and what a command imports lazily
 * (src/cli/Lazy.ts), lives in shared chunks next to them (`dist/<name>-<hash>.js`), so `--help` parses
 * the command tree, not the hub, and a connector never parses the hub at all.
 *
 * Run by `npm ci` / `npm install` (`prepare`), by `npm test` (`pretest`), and by scripts/switchboard
 * itself when a source file is newer than the build, so an edited checkout never runs stale code.
 * Packages with native code or files found next to their own module (sharp, PGlite's WebAssembly, tsx)
 * stay external and load from node_modules. Tests run from the sources (vitest), not from this build.
 *
 *   node scripts/build.mjs [--quiet] [--metafile <file>]
 */
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const dist = path.join(root, "dist")
const quiet = process.argv.includes("--quiet")
const metafileAt = process.argv.indexOf("--metafile")
const entries = { switchboard: "src/main.ts", connector: "src/connector-main.ts" }
const started = new Date()
/** Chunks no current entry imports are kept this long: a process started on the previous build may still import its lazy ones. */
const KEEP_OLD_CHUNKS_MS = 10 * 60 * 1000
const CHUNK = /^[\w.]+-[A-Z0-9]{8}\.js(\.map)?$/

/**
 * `import { Effect, Layer } from "effect"` → `import * as Effect from "effect/Effect"; …`, in our own
 * files' import headers. A package's index re-exports every module (`export * as HttpApiSwagger …`), and
 * esbuild assigns files to chunks by what imports them: through the index, every chunk would carry all
 * of @effect/platform (its Swagger UI alone is 1.9 MB). Only names the index re-exports from a module its
 * package exports are rewritten; anything else is left as written.
 */
const deepImports = () => {
  const require = createRequire(path.join(root, "package.json"))
  const packages = new Map()
  const exportsOf = (pkg) => {
    if (packages.has(pkg)) return packages.get(pkg)
    const dir = path.dirname(require.resolve(`${pkg}/package.json`))
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
    const index = fs.readFileSync(path.join(dir, "dist/esm/index.js"), "utf8")
    const names = new Map()
    const exported = (module) => manifest.exports?.[`./${module}`] !== undefined
    for (const [, name, module] of index.matchAll(/export \* as (\w+) from "\.\/([\w/]+)\.js"/g)) {
      if (exported(module)) names.set(name, { from: `${pkg}/${module}`, namespace: true })
    }
    for (const [, list, module] of index.matchAll(/export \{([^}]*)\} from "\.\/([\w/]+)\.js"/g)) {
      for (const name of list.split(",").map((s) => s.trim()).filter((s) => /^\w+$/.test(s))) {
        if (exported(module)) names.set(name, { from: `${pkg}/${module}`, namespace: false })
      }
    }
    packages.set(pkg, names)
    return names
  }
  const rewriteOne = (clause, pkg) => {
    const names = exportsOf(pkg)
    const kept = []
    const lines = []
    for (const item of clause.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
      if (item.startsWith("type ")) continue
      const [name, alias = name] = item.split(/\s+as\s+/)
      const target = names.get(name)
      if (target === undefined) kept.push(item)
      else lines.push(target.namespace ? `import * as ${alias} from "${target.from}";` : `import { ${name} as ${alias} } from "${target.from}";`)
    }
    if (kept.length > 0) lines.push(`import { ${kept.join(", ")} } from "${pkg}";`)
    return lines.join(" ")
  }
  /** Rewrites the imports at the top of `text` (comments and imports only: never a string further down). */
  const rewrite = (text) => {
    const skip = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\//y
    const statement = /import\s+(type\s+)?(\{[^}]*\}|[^"';]*?)\s*from\s*(["'])([^"']+)\3\s*;?|import\s*(["'])[^"']+\5\s*;?/y
    let at = 0
    let out = ""
    for (;;) {
      skip.lastIndex = at
      const gap = skip.exec(text)
      if (gap !== null) {
        out += gap[0]
        at = skip.lastIndex
        continue
      }
      statement.lastIndex = at
      const found = statement.exec(text)
      if (found === null) break
      at = statement.lastIndex
      const [whole, typeOnly, clause, , pkg] = found
      const barrel = pkg !== undefined && /^(effect|@effect\/[\w-]+)$/.test(pkg)
      out += barrel && typeOnly === undefined && clause.startsWith("{") ? rewriteOne(clause.slice(1, -1), pkg) : whole
    }
    return out + text.slice(at)
  }
  return {
    name: "deep-imports",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) =>
        args.path.includes(`${path.sep}node_modules${path.sep}`)
          ? undefined
          : { contents: rewrite(fs.readFileSync(args.path, "utf8")), loader: "ts" })
    }
  }
}

/** Writes `file` under a temporary name and renames it over the target: a reader sees the old file or the new one. */
const writeAtomically = (file, contents) => {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`)
  try {
    fs.writeFileSync(temporary, contents)
    fs.renameSync(temporary, file)
  } catch (error) {
    fs.rmSync(temporary, { force: true })
    throw error
  }
}

fs.mkdirSync(dist, { recursive: true })
try {
  const result = await esbuild.build({
    entryPoints: Object.entries(entries).map(([name, file]) => ({ in: path.join(root, file), out: name })),
    outdir: dist,
    chunkNames: "[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    sourcemap: "linked",
    write: false,
    logLevel: quiet ? "error" : "warning",
    metafile: true,
    plugins: [deepImports()],
    // Native addons, WebAssembly or data files resolved from the package's own directory, optional peers.
    external: ["sharp", "@electric-sql/*", "pg-native", "tsx", "tsx/*", "lmdb", "ioredis", "msgpackr-extract", "playwright-core"],
    // CommonJS packages inside an ES module bundle call `require` for Node's built-ins.
    banner: { js: "import { createRequire as __switchboardRequire } from 'node:module'; const require = __switchboardRequire(import.meta.url);" }
  })
  const entryFiles = new Set(Object.keys(entries).flatMap((name) => [`${name}.js`, `${name}.js.map`]))
  const written = new Set(result.outputFiles.map((file) => path.basename(file.path)))
  // Chunks first, the entries last: an entry is never there before the chunks it imports.
  const ordered = [...result.outputFiles].sort((a, b) => Number(entryFiles.has(path.basename(a.path))) - Number(entryFiles.has(path.basename(b.path))))
  for (const file of ordered) writeAtomically(file.path, file.contents)
  // Each entry is as old as the sources it read: a file saved during the build makes it stale again.
  for (const name of Object.keys(entries)) fs.utimesSync(path.join(dist, `${name}.js`), started, started)
  for (const name of fs.readdirSync(dist)) {
    const file = path.join(dist, name)
    if (written.has(name) || !CHUNK.test(name)) continue
    if (started.getTime() - fs.statSync(file).mtimeMs > KEEP_OLD_CHUNKS_MS) fs.rmSync(file, { force: true })
  }
  if (metafileAt !== -1 && process.argv[metafileAt + 1] !== undefined) {
    fs.writeFileSync(path.resolve(process.argv[metafileAt + 1]), JSON.stringify(result.metafile))
  }
  if (!quiet) {
    const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith(".js"))
    const size = (bytes) => (bytes < 1048576 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`)
    const total = outputs.reduce((sum, [, o]) => sum + o.bytes, 0)
    const entrySizes = Object.keys(entries).map((name) => {
      const output = outputs.find(([file]) => path.basename(file) === `${name}.js`)
      return `dist/${name}.js ${size(output?.[1].bytes ?? 0)}`
    })
    process.stderr.write(
      `build: ${entrySizes.join(", ")}, ${outputs.length - entrySizes.length} chunks, ${size(total)} in all, ` +
        `${Object.keys(result.metafile.inputs).length} modules, in ${Date.now() - started.getTime()} ms\n`
    )
  }
} catch (error) {
  process.stderr.write(`build: failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`)
  process.exit(1)
}
