import { z } from 'zod/v4';
import type { Directory } from '../municipality';
import { categories, type ReportContent } from './model';
import type { Report } from '../reports';

/**
 * The report as intake registers it in its case system: JSON (schema published in
 * docs/report-export.schema.json) and a printable PDF with the same content.
 */
export const ReportExport = z.object({
  schema: z.literal('varna.report/1'),
  reference: z.string(),
  receivedAt: z.string().describe('ISO 8601, UTC'),
  municipality: z.string(),
  intakeUnit: z.object({ id: z.string(), name: z.string() }),
  school: z.object({ id: z.string(), name: z.string(), type: z.enum(['municipal', 'independent']), district: z.string() }),
  acute: z.boolean(),
  child: z.object({
    name: z.string(),
    personalIdentityNumber: z.string().optional().describe('12 digits; a coordination number when coordinationNumber is true'),
    coordinationNumber: z.boolean().optional(),
    dateOfBirth: z.string().optional(),
    className: z.string().optional(),
    address: z.string().optional(),
    language: z.string().optional(),
    interpreterNeeded: z.boolean(),
  }),
  guardians: z.object({
    who: z.string(),
    informedBySchool: z.enum(['yes', 'noSensitive', 'notYet', 'noOther']),
    notInformedReason: z.string().optional(),
  }),
  concern: z.object({
    category: z.enum(categories),
    observed: z.string(),
    when: z.string(),
    childsOwnWords: z.string().optional(),
    schoolActions: z.string().optional(),
  }),
  reporter: z.object({
    name: z.string(),
    role: z.string(),
    phone: z.string(),
    email: z.string().optional(),
    principalKnows: z.boolean(),
  }),
  informant: z.object({ name: z.string().optional(), role: z.string().optional(), contact: z.string().optional() }).optional(),
  wishes: z.object({ feedback: z.boolean(), jointMeeting: z.boolean() }),
  deadlines: z.object({ protectionAssessment: z.string(), decision: z.string() }),
});
export type ReportExport = z.infer<typeof ReportExport>;

export function toExport(report: Report, c: ReportContent, dir: Directory): ReportExport {
  const school = dir.school(report.schoolId);
  const unit = dir.intakeUnit(report.intakeUnitId);
  const informant = c.reporter.informantName || c.reporter.informantRole || c.reporter.informantContact;
  return ReportExport.parse({
    schema: 'varna.report/1',
    reference: report.reference,
    receivedAt: report.receivedAt.toISOString(),
    municipality: dir.municipality.municipality.name,
    intakeUnit: { id: report.intakeUnitId, name: unit?.name ?? report.intakeUnitId },
    school: { id: report.schoolId, name: school?.name ?? report.schoolId, type: report.schoolType, district: report.districtId },
    acute: report.acute,
    child: {
      name: c.child.childName,
      ...(c.child.pnrNormalized ? { personalIdentityNumber: c.child.pnrNormalized, coordinationNumber: !!c.child.coordinationNumber } : {}),
      ...(c.child.birthDate ? { dateOfBirth: c.child.birthDate } : {}),
      ...(c.child.className ? { className: c.child.className } : {}),
      ...(c.child.address ? { address: c.child.address } : {}),
      ...(c.child.language ? { language: c.child.language } : {}),
      interpreterNeeded: !!c.child.interpreter,
    },
    guardians: {
      who: c.guardians.guardians,
      informedBySchool: c.guardians.informed,
      ...(c.guardians.notInformedReason ? { notInformedReason: c.guardians.notInformedReason } : {}),
    },
    concern: {
      category: c.concern.category,
      observed: c.concern.observed,
      when: c.concern.when,
      ...(c.concern.childWords ? { childsOwnWords: c.concern.childWords } : {}),
      ...(c.concern.schoolActions ? { schoolActions: c.concern.schoolActions } : {}),
    },
    reporter: {
      name: c.reporter.reporterName,
      role: c.reporter.reporterRole,
      phone: c.reporter.reporterPhone,
      ...(c.reporter.reporterEmail ? { email: c.reporter.reporterEmail } : {}),
      principalKnows: c.reporter.principalKnows === 'yes',
    },
    ...(informant
      ? { informant: { name: c.reporter.informantName, role: c.reporter.informantRole, contact: c.reporter.informantContact } }
      : {}),
    wishes: { feedback: c.wishes.feedbackWanted, jointMeeting: c.wishes.jointMeeting },
    deadlines: { protectionAssessment: report.protectionDueAt.toISOString(), decision: report.decisionDueAt.toISOString() },
  });
}
