/** Every RPC the hub serves, behind the bearer-token middleware. Feature groups are merged here. */
import { AuthMiddleware } from "./AuthMiddleware.js"
import { CredentialsRpcs } from "./CredentialsRpcs.js"
import { HeartbeatRpcs } from "./HeartbeatRpcs.js"
import { IngestRpcs } from "./IngestRpcs.js"

export class HubRpcs extends IngestRpcs.merge(HeartbeatRpcs).merge(CredentialsRpcs).middleware(AuthMiddleware) {}
