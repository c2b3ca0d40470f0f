import type { SecretName } from '../plan/types.js';

/** The secrets of one run, held in memory only and handed to commands on stdin. */
export type Secrets = Partial<Record<SecretName, string>>;

/** Every secret value, for redaction. */
export const secretValues = (secrets: Secrets) => Object.values(secrets).filter((v): v is string => typeof v === 'string' && v.length > 0);
