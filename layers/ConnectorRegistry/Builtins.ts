/**
 * The connectors the hub ships, as SDK definitions, registered at first start (actor `system`, module
 * `builtin:<id>`): the list of layers/Connectors/Builtins.ts (src/connectors/Registry.ts's definitions
 * with the implementations of the services their source layers name).
 */
export { builtins } from "../Connectors/Builtins.js"
