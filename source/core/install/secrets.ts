import { diskEncryptionKeyIndex, type Secrets } from '../plan/types.js';

/** Every secret value, for redaction: a disk encryption key both as sent (base64) and as text, when it is text. */
export const secretValues = (secrets: Secrets) =>
  Object.entries(secrets).flatMap(([name, value]) => {
    if (typeof value !== 'string' || value.length === 0) return [];
    if (diskEncryptionKeyIndex(name) === undefined) return [value];
    const text = Buffer.from(value, 'base64')
      .toString('utf8')
      .replace(/\r?\n$/, '');
    return text.length > 0 && !text.includes('\uFFFD') ? [value, text] : [value];
  });
