import ExcelJS from 'exceljs';
import { BOM, csvLine } from '../audit/csv.ts';

/** A table as exported: translated headers, then one line per row (null: blank, e.g. a suppressed cell). */
export interface ExportTable {
  headers: string[];
  rows: (string | number | null)[][];
}

/** CSV for spreadsheets: UTF-8 with a byte-order mark (Excel then reads Japanese and Chinese intact). */
export function toCsv(table: ExportTable): Buffer {
  return Buffer.from(BOM + [table.headers, ...table.rows].map(csvLine).join(''), 'utf8');
}

/** The same table as an XLSX workbook of one sheet, counts as numbers. */
export async function toXlsx(table: ExportTable, sheetName: string): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(sheetName.slice(0, 31));
  sheet.addRow(table.headers).font = { bold: true };
  for (const row of table.rows) sheet.addRow(row);
  sheet.columns.forEach((c) => (c.width = 18));
  return Buffer.from(await book.xlsx.writeBuffer());
}

export type Format = 'json' | 'csv' | 'xlsx';
/** A table as JSON (`T`), or its export as a file. */
export type StatsAnswer<T> = { table: T } | { file: Buffer; contentType: string; filename: string };

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The table itself (JSON), or its export as CSV or XLSX, named `name`. */
export async function exportAs<T>(table: T, exported: () => Promise<ExportTable> | ExportTable, format: Format, name: string): Promise<StatsAnswer<T>> {
  if (format === 'json') return { table };
  const file = await exported();
  if (format === 'csv') return { file: toCsv(file), contentType: 'text/csv; charset=utf-8', filename: `${name}.csv` };
  return { file: await toXlsx(file, name), contentType: XLSX, filename: `${name}.xlsx` };
}
