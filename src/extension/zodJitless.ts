// Imported first by extension.ts, before any module builds a zod schema. zod's JIT probes the global
// `navigator` when it builds its first object schema, and VS Code's extension host logs every touch of
// `navigator` as a PendingMigrationError; jitless parsing skips the probe (and zod's `new Function`).
import { z } from 'zod';

z.config({ jitless: true });
