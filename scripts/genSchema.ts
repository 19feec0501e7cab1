// Writes schemas/suite.schema.json (the JSON Schema VS Code validates `*.suite.json` with) from the
// zod schema. Run after changing src/core/suites/suiteSchema.ts: `npx tsx scripts/genSchema.ts`;
// test/unit/suiteSchemaFile.test.ts fails while the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suiteJsonSchemaText } from '../src/core/suites/suiteSchema';

const file = join(__dirname, '..', 'schemas', 'suite.schema.json');
writeFileSync(file, suiteJsonSchemaText());
console.log(`wrote ${file}`);
