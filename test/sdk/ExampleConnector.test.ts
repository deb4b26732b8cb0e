/** The README's one-file example connector passes the conformance suite. */
import ExampleConnector from "../fixtures/sdk/ExampleConnector.js"
import { suite } from "../conformance/Conformance.suite.js"

suite({ definition: ExampleConnector, env: { NOTES_MAX_TITLE: "200" } })
