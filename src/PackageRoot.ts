/**
 * The directory of this package (the checkout), for files read at run time: the dashboard's and the
 * console's assets, the SDK the connector scaffold imports. This module is one level below it both when
 * run from the sources (`src/PackageRoot.ts`, under tsx or vitest) and when bundled into the build
 * (`dist/switchboard.js`, scripts/build.mjs), so the same expression is right in both.
 */
import * as NodePath from "node:path"

export const packageRoot: string = NodePath.resolve(import.meta.dirname, "..")

/** `relative` (a path inside the package, with `/`) as an absolute path. */
export const inPackage = (...relative: ReadonlyArray<string>): string => NodePath.join(packageRoot, ...relative)
