import PDFDocument from 'pdfkit';
import type { ReportExport } from '../services/reports/export';
import type { Strings } from './i18n';

// DejaVu covers Swedish and most scripts; PDFKit's built-in fonts cannot show å, ä, ö reliably.
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

/** A printable PDF of a report, for registration in the case system. Text is drawn as text, never interpreted. */
export function reportPdf(e: ReportExport, t: Strings): Promise<Buffer> {
  const r = t.report;
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: r.full.title(e.reference), Producer: 'Värna' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.registerFont('body', FONT);
  doc.registerFont('bold', BOLD);

  const section = (title: string) => doc.moveDown(0.8).font('bold').fontSize(13).text(title).moveDown(0.2);
  const row = (label: string, value: string | undefined) => {
    if (!value) return;
    doc.font('bold').fontSize(10).text(`${label}: `, { continued: true }).font('body').text(value);
  };

  doc.font('bold').fontSize(18).text(r.full.title(e.reference));
  doc.font('body').fontSize(10).text(`${e.municipality} – ${e.intakeUnit.name}`);
  row(r.channel.received, t.dateTime(new Date(e.receivedAt)));
  row(r.channel.school, `${e.school.name} (${e.school.type === 'independent' ? r.channel.independent : r.channel.municipal})`);
  row(r.channel.protectionDue, t.dateTime(new Date(e.deadlines.protectionAssessment)));
  row(r.channel.decisionDue, t.date(new Date(e.deadlines.decision)));
  if (e.acute) doc.moveDown(0.5).font('bold').fillColor('#b00020').text(r.channel.acute).fillColor('black');

  section(r.full.child);
  row(r.child.name, e.child.name);
  row(r.child.pnr, e.child.personalIdentityNumber);
  row(r.child.birthDate, e.child.dateOfBirth);
  row(r.child.className, e.child.className);
  row(r.child.address, e.child.address);
  row(r.child.language, e.child.language);
  row(r.child.interpreter, e.child.interpreterNeeded ? t.yes : t.no);

  section(r.full.guardians);
  row(r.guardians.who, e.guardians.who);
  const informed = e.guardians.informedBySchool;
  row(
    r.facts.informed,
    informed === 'yes'
      ? r.full.informedYes
      : informed === 'noSensitive'
        ? r.full.notInformedSensitive
        : informed === 'notYet'
          ? r.full.notInformedNotYet
          : r.full.notInformedOther,
  );
  row(r.facts.reason, e.guardians.notInformedReason);

  section(r.full.concern);
  row(r.facts.category, r.concern.categories[e.concern.category]);
  row(r.facts.observed, e.concern.observed);
  row(r.facts.when, e.concern.when);
  row(r.facts.childWords, e.concern.childsOwnWords);
  row(r.facts.schoolActions, e.concern.schoolActions);

  section(r.full.reporter);
  row(r.reporter.name, e.reporter.name);
  row(r.reporter.role, e.reporter.role);
  row(r.reporter.phone, e.reporter.phone);
  row(r.reporter.email, e.reporter.email);
  row(r.facts.principalKnows, e.reporter.principalKnows ? t.yes : t.no);
  if (e.informant) row(r.fields.informant, [e.informant.name, e.informant.role, e.informant.contact].filter(Boolean).join(', '));

  section(r.full.wishes);
  row(r.wishes.feedbackLabel, e.wishes.feedback ? t.yes : t.no);
  row(r.wishes.meetingLabel, e.wishes.jointMeeting ? t.yes : t.no);

  doc.moveDown(1.5).font('body').fontSize(8).fillColor('#555').text(r.full.pdfSecrecy);
  doc.end();
  return done;
}
