import ExcelJS from 'exceljs';
import { measures, statisticsTable, suppressionNote, type Statistics } from './statistics-figures';

export { measures, statisticsTable, suppressionNote };

const csvField = (v: string) => (/[";\n\r]|^[=+\-@]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Semicolon-separated (Swedish Excel), UTF-8 with BOM; a formula-looking field is quoted. */
export function statisticsCsv(stats: Statistics): string {
  const lines = [
    [`Värna statistik ${stats.from} – ${stats.to}`, `Skapad ${stats.generatedAt}`],
    [suppressionNote],
    ...statisticsTable(stats),
  ];
  return `\uFEFF${lines.map((l) => l.map(csvField).join(';')).join('\r\n')}\r\n`;
}

export async function statisticsXlsx(stats: Statistics): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Statistik');
  ws.addRow([`Värna statistik ${stats.from} – ${stats.to}`]);
  ws.addRow([suppressionNote]);
  for (const r of statisticsTable(stats)) ws.addRow(r.map((v) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) : v)));
  const defs = wb.addWorksheet('Definitioner');
  for (const [, m] of Object.entries(measures)) defs.addRow([m.title, m.definition]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
