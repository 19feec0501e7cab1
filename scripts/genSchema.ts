// Writes the JSON Schemas VS Code validates `*.suite.json` and `*.agent.json` with (schemas/) from the zod
// schemas. Run after changing src/core/suites/suiteSchema.ts or src/core/agents/agentSchema.ts:
// `npx tsx scripts/genSchema.ts`; test/unit/suiteSchemaFile.test.ts and agentSchemaFile.test.ts fail while
// a committed file is out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentJsonSchemaText } from '../src/core/agents/agentJsonSchema';
import { suiteJsonSchemaText } from '../src/core/suites/suiteSchema';

const files: [string, string][] = [
  ['suite.schema.json', suiteJsonSchemaText()],
  ['agent.schema.json', agentJsonSchemaText()],
];
for (const [name, text] of files) {
  const file = join(__dirname, '..', 'schemas', name);
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
