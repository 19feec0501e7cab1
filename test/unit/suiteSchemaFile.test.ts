import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// ajv comes with @vscode/vsce (a dev dependency); it stands in for VS Code's JSON validation here.
import Ajv from 'ajv';
import { suiteJsonSchemaText } from '../../src/core/suites/suiteSchema';

const ROOT = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe('schemas/suite.schema.json', () => {
  it('is up to date with the zod schema (regenerate: npx tsx scripts/genSchema.ts)', () => {
    assert.equal(read('schemas/suite.schema.json'), suiteJsonSchemaText());
  });

  it('is registered for *.suite.json in package.json', () => {
    const manifest = JSON.parse(read('package.json')) as {
      contributes: { jsonValidation?: { fileMatch: string; url: string }[] };
    };
    assert.deepEqual(
      manifest.contributes.jsonValidation?.find((v) => v.fileMatch === '*.suite.json'),
      { fileMatch: '*.suite.json', url: './schemas/suite.schema.json' },
    );
  });

  describe('what the editor will say', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(read('schemas/suite.schema.json')) as object);
    it('accepts valid suites', () => {
      for (const file of [
        'examples/travel-desk.suite.json',
        'test/fixtures/suites/mini.suite.json',
        'test/fixtures/suites/unknown-tool.suite.json',
      ]) {
        assert.equal(validate(JSON.parse(read(file))), true, `${file}: ${ajv.errorsText(validate.errors)}`);
      }
    });
    it('flags matchers of the wrong shape, a case with both inputs, and parameters that are not an object schema', () => {
      assert.equal(validate(JSON.parse(read('test/fixtures/suites/bad-matcher.suite.json'))), false);
      const base = JSON.parse(read('test/fixtures/suites/mini.suite.json')) as {
        cases: Record<string, unknown>[];
        tools: { parameters: Record<string, unknown> }[];
      };
      const both = structuredClone(base);
      both.cases[0]!.messages = [{ role: 'user', content: 'x' }];
      assert.equal(validate(both), false);
      const notObject = structuredClone(base);
      notObject.tools[0]!.parameters.type = 'array';
      assert.equal(validate(notObject), false);
      const literalObject = structuredClone(base);
      (literalObject.cases[0]!.expect as { args: Record<string, unknown> }).args.city = { name: 'Lisbon' };
      assert.equal(validate(literalObject), true, 'a literal object (no matcher keys) is allowed');
    });
  });
});
