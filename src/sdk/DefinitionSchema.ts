/**
 * The SDK's check of a connector module's export (issue 11): the shape of a ConnectorDefinition as far
 * as it can be seen at run time — the id pattern, a description, the config variables, and each face an
 * object whose `layer` is a Layer (a source face also names its channel and provider), at least one
 * face. Every problem is reported at once as `path message` (`source.layer is not a Layer`). A layer's
 * type parameters cannot be seen at run time: a layer that provides the wrong service fails when built.
 */
import { type Config, Either, Layer, ParseResult, Schema } from "effect"
import * as EffectConfig from "effect/Config"
import type { ActionsFace, ConnectorDefinition, ResourcesFace, SourceFace } from "../../services/ConnectorDefinition.js"
import { Channel, Provider, providersByChannel } from "../domain/Envelope.js"
import { CONNECTOR_ID_PATTERN } from "./RegistryInput.js"

const MAX_DESCRIPTION_CHARS = 500
const MAX_VARIABLES = 64
const VARIABLE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/

const exact = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

const text = (what: string) => Schema.String.annotations({ message: () => `must be a string (${what})` })
const flag = Schema.Boolean.annotations({ message: () => "must be true or false" })

const layerOf = <L>() =>
  Schema.declare((u: unknown): u is L => Layer.isLayer(u), { identifier: "Layer", message: () => "is not a Layer" })

const settings = Schema.declare((u: unknown): u is Config.Config<unknown> => EffectConfig.isConfig(u), {
  identifier: "Config",
  message: () => "is not a Config (build it with effect's Config)"
})

const Variable = Schema.Struct({
  name: text("an environment variable name").pipe(
    Schema.filter((s) => VARIABLE_PATTERN.test(s) || "must be an upper-case environment variable name (A-Z 0-9 _)")
  ),
  secret: flag,
  required: flag,
  description: text("what the variable is for"),
  default: exact(text("the default as text"))
}).pipe(
  Schema.filter((v) => !(v.secret && v.default !== undefined) || { path: ["default"], message: "a secret has no default" })
)

const Source = Schema.Struct({
  channel: Channel,
  provider: Provider,
  layer: layerOf<SourceFace["layer"]>(),
  sourceCounters: exact(Schema.Array(text("a counter name")))
}).pipe(
  Schema.filter((s) =>
    providersByChannel[s.channel].includes(s.provider) ||
    { path: ["provider"], message: `${s.provider} never carries channel ${s.channel} (allowed: ${providersByChannel[s.channel].join(", ")})` }
  )
)

const Face = <L>() => Schema.Struct({ layer: layerOf<L>() })

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** A resources face keeps its sample payloads (the conformance suite and `connectors scaffold` use them). */
const ResourcesFaceSchema = Schema.Struct({
  layer: layerOf<ResourcesFace["layer"]>(),
  examples: exact(Schema.Array(Schema.Struct({
    type: text("a resource type"),
    create: JsonObject,
    patch: JsonObject,
    invalid: exact(JsonObject)
  })))
})

export const DefinitionSchema = Schema.Struct({
  id: text("the connector id").pipe(
    Schema.filter((s) => CONNECTOR_ID_PATTERN.test(s) || "must be 1–40 of a-z 0-9 - _, starting with a letter")
  ),
  description: text("one line about the connector").pipe(
    Schema.filter((s) => (s.trim() !== "" && s.length <= MAX_DESCRIPTION_CHARS) || `must be 1–${MAX_DESCRIPTION_CHARS} characters`)
  ),
  config: Schema.Struct({
    variables: Schema.Array(Variable).pipe(
      Schema.filter((vs) => vs.length <= MAX_VARIABLES || `must list at most ${MAX_VARIABLES} variables`)
    ),
    settings
  }),
  source: exact(Source),
  actions: exact(Face<ActionsFace["layer"]>()),
  resources: exact(ResourcesFaceSchema)
}).pipe(
  Schema.filter((d) =>
    d.source !== undefined || d.actions !== undefined || d.resources !== undefined ||
    "must have at least one face (source, actions or resources)"
  )
)

const pathOf = (path: ReadonlyArray<PropertyKey>) =>
  path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`), "")

/** The export as a definition, or every problem with it (`source.layer is not a Layer`, `id is missing`). */
export const check = (value: unknown): Either.Either<ConnectorDefinition, ReadonlyArray<string>> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Either.left([`is not an object (got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value})`])
  }
  const decoded = Schema.decodeUnknownEither(DefinitionSchema)(value, { errors: "all", onExcessProperty: "ignore" })
  // The export itself, once its shape is checked: decoding would drop what the schema does not list
  // (a face's optional extras such as resources.examples), and the layers must stay the same objects.
  if (Either.isRight(decoded)) return Either.right(value as ConnectorDefinition)
  return Either.left(
    ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((issue) => {
      const path = pathOf(issue.path)
      return path === "" ? issue.message : `${path} ${issue.message}`
    })
  )
}
