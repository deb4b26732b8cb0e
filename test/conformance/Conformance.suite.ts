/**
 * The connector conformance suite (issue 11): one suite for any ConnectorDefinition. For a Resources
 * face: lifecycle, CRUD round trips for each declared type, error mapping, tenant isolation, role
 * denial and the breaker through ConnectorOperations (ResourceConformance.ts). For a Source face
 * (SourceConformance.ts): dedupe stability of its envelopes and checkpoint-after-acceptance. For an
 * Actions face (ActionsConformance.ts): payload schemas refuse `{}`, unset settings answer ConnectorUnavailable.
 */
import { assert, describe, it } from "@effect/vitest"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import type { ActionsHost } from "../../src/connectors/actions/ActionsFace.js"
import { actionsSuite } from "./ActionsConformance.js"
import { resourcesSuite } from "./ResourceConformance.js"
import { type SourceHarness, sourceSuite } from "./SourceConformance.js"

export interface Subject {
  /** Any definition (a built-in's source may name more services than SourceHost; the harness provides its source). */
  readonly definition: ConnectorDefinition<unknown, ActionsHost>
  /** Settings its faces read (over the process environment). */
  readonly env?: Readonly<Record<string, string>>
  /** How to get its Source face over source data that holds events (required when it has one). */
  readonly source?: SourceHarness
}

export const suite = (subject: Subject) => {
  const { definition } = subject
  describe(`conformance: ${definition.id}`, () => {
    it("has an SDK id and declares its variables (upper case; no secret has a default)", () => {
      assert.match(definition.id, /^[a-z][a-z0-9_-]{0,39}$/)
      for (const v of definition.config.variables) {
        assert.match(v.name, /^[A-Z][A-Z0-9_]*$/)
        if (v.secret) assert.isUndefined(v.default, `${v.name} is a secret and must have no default`)
      }
      assert.isTrue(definition.resources !== undefined || definition.source !== undefined || definition.actions !== undefined, "no face")
    })
    // The resources part never touches the source face (whose host needs differ per connector).
    const { source: _source, actions: _actions, ...resourcesOnly } = definition
    if (definition.resources !== undefined) resourcesSuite(resourcesOnly, subject.env ?? {})
    if (definition.actions !== undefined) actionsSuite(definition.actions, definition.config.variables)
    if (definition.source !== undefined) {
      it("a definition with a Source face is run with a source harness", () => {
        assert.isDefined(subject.source, `connector ${definition.id} has a Source face: pass a source harness`)
      })
      if (subject.source !== undefined) sourceSuite(subject.source)
    }
  })
}
