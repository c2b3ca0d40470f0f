import type { Secrets } from '../plan/types.js';

/** Every secret value, for redaction. */
export const secretValues = (secrets: Secrets) => Object.values(secrets).filter((v): v is string => typeof v === 'string' && v.length > 0);
