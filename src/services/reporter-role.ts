/**
 * Who reports (issue 24 §2; Herrljunga 2018, Kinda 2015: is the personal duty handed to the
 * principal?): the reporter's role, given as free text in the report form ("lärare", "kurator på
 * Ekbacken", ...), sorted at submit into a role group. Only the group is stored (a plain column
 * on the report, `reporter_role_group`), never the text. Pure: no store, no clock.
 *
 * The rules, in the order they are tried (the first that matches decides; case-insensitive, any
 * part of the text):
 *   1. principal      a principal of a school in the municipality file, or the role says rektor,
 *                     förskolechef or principal (`isPrincipalReporter`: the rule "Anmälda av rektor"
 *                     counts by, so the group and that count always agree)
 *   2. studentHealth  elevhälsan as Skollagen (2010:800) 2 kap. 25 § defines it: medical,
 *                     psychological, psychosocial and special-needs staff (`studentHealthWords`).
 *                     Before teaching, since "speciallärare" holds "lärare" and "specialpedagog"
 *                     holds "pedagog"
 *   3. teaching       teachers and other educational staff (`teachingWords`)
 *   4. otherRole      anything else, or no role given
 */

export const roleGroups = ['principal', 'teaching', 'studentHealth', 'otherRole'] as const;
export type RoleGroup = (typeof roleGroups)[number];

/**
 * Is the reporter a principal (statistics: is the personal duty handed to principals? Herrljunga
 * 2018, Kinda 2015)? A principal of any school in the municipality file, or a role given as rektor
 * or förskolechef (biträdande rektor too: a school leader all the same).
 */
export function isPrincipalReporter(principalOfSchools: number, role: string): boolean {
  return principalOfSchools > 0 || /rektor|förskolechef|principal/iu.test(role);
}

/** Elevhälsan (Skollagen 2 kap. 25 §): skolläkare, skolsköterska, psykolog, kurator, special-needs staff. */
export const studentHealthWords = [
  'elevhälsa',
  'skolsköterska',
  'sjuksköterska',
  'skolläkare',
  'läkare',
  'kurator',
  'psykolog',
  'specialpedagog',
  'speciallärare',
  'logoped',
  'school nurse',
  'nurse',
  'doctor',
  'counsellor',
  'counselor',
  'psychologist',
  'special needs',
  'special education',
] as const;

/** Teachers and other educational staff in school, preschool and fritidshem. */
export const teachingWords = [
  'lärare',
  'förskollärare',
  'fritidspedagog',
  'fritidshem',
  'fritidsledare',
  'fritids',
  'barnskötare',
  'elevassistent',
  'lärarassistent',
  'assistent',
  'resursperson',
  'resurspedagog',
  'resurs',
  'mentor',
  'pedagog',
  'vikarie',
  'studiehandledare',
  'modersmål',
  'teacher',
  'teaching',
  'educator',
  'preschool',
  'assistant',
] as const;

const normalized = (text: string) => text.toLocaleLowerCase('sv-SE').replace(/\s+/g, ' ');

/** The role group of a reporter: `principalOfSchools` schools they lead in the municipality file, `role` as they gave it. */
export function reporterRoleGroup(principalOfSchools: number, role: string | undefined): RoleGroup {
  const text = normalized(role ?? '');
  if (isPrincipalReporter(principalOfSchools, text)) return 'principal';
  if (studentHealthWords.some((w) => text.includes(w))) return 'studentHealth';
  if (teachingWords.some((w) => text.includes(w))) return 'teaching';
  return 'otherRole';
}
