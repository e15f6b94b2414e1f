/**
 * pino `redact` paths that keep secrets out of the logs: device keys (hex or bytes), passwords
 * and password hashes, at the top level and one or two levels down (`{ device: { keyBytes } }`).
 * Use as `pino({ redact: { paths: REDACT_PATHS, censor: "[redacted]" } })`.
 */
const SECRET_FIELDS = ["key", "keys", "keyBytes", "password", "passwordHash"];

export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
