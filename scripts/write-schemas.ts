/**
 * Writes config/schema.json from the zod schema, so editors can check a municipality config.
 * Run with `npm run schema` after changing src/services/municipality.ts (a test checks it is current).
 */
import { writeFileSync } from 'node:fs';
import { z } from 'zod/v4';
import { Municipality } from '../src/services/municipality';
import { ReportExport } from '../src/services/reports/export';

export function configJsonSchema(): unknown {
  const schema = z.toJSONSchema(Municipality, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'Värna municipality configuration', $id: 'https://varna.example/config.schema.json' };
}

/** The JSON export of a report, for the case system. */
export function reportJsonSchema(): unknown {
  const schema = z.toJSONSchema(ReportExport, { io: 'output' }) as Record<string, unknown>;
  return { ...schema, title: 'Värna report export (varna.report/1)', $id: 'https://varna.example/report-export.schema.json' };
}

if (require.main === module) {
  writeFileSync('config/schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  writeFileSync('docs/report-export.schema.json', `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
  console.log('wrote config/schema.json and docs/report-export.schema.json');
}
