import assert from 'node:assert/strict';
import { isPrincipalReporter, reporterRoleGroup, roleGroups } from '../../src/services/reporter-role';

/**
 * Who reports (issue 24 §2): the role the reporter gave, as free text, sorted into a role group at
 * submit. The principal group is exactly "Anmälda av rektor" (`isPrincipalReporter`).
 */
describe('the reporter role groups (who reports, issue 24 §2)', () => {
  const group = (role: string, principalOf = 0) => reporterRoleGroup(principalOf, role);

  it('counts a principal in the municipality file, or a role given as rektor or förskolechef, as a principal', () => {
    assert.equal(group('Lärare', 1), 'principal', 'a principal in the directory, whatever role they typed');
    for (const role of ['Rektor', 'rektor', 'REKTOR', 'Biträdande rektor', 'Förskolechef', 'förskolechef Solstrålen', 'Principal'])
      assert.equal(group(role), 'principal', role);
  });

  it('agrees with "Anmälda av rektor" for every role', () => {
    for (const role of ['Rektor', 'Lärare', 'Kurator', '', 'vaktmästare', 'biträdande rektor', 'FÖRSKOLECHEF'])
      for (const n of [0, 1, 3]) assert.equal(reporterRoleGroup(n, role) === 'principal', isPrincipalReporter(n, role), `${role} ${n}`);
  });

  it('counts teachers and other educational staff as teaching', () => {
    for (const role of [
      'Lärare',
      'lärare i svenska',
      'Förskollärare',
      'Fritidspedagog',
      'Personal på fritidshemmet',
      'Barnskötare',
      'Elevassistent',
      'Resursperson',
      'Mentor åk 7',
      'Pedagog',
      'Klasslärare',
      'Ämneslärare',
      'Lärarvikarie',
      'Teacher',
    ])
      assert.equal(group(role), 'teaching', role);
  });

  it('counts elevhälsan (Skollagen 2 kap. 25 §) as student health, special-needs teachers too', () => {
    for (const role of [
      'Skolsköterska',
      'skolläkare',
      'Kurator',
      'Skolkurator',
      'Psykolog',
      'Skolpsykolog',
      'Specialpedagog',
      'Speciallärare',
      'Elevhälsan',
      'School nurse',
    ])
      assert.equal(group(role), 'studentHealth', role);
  });

  it('counts anything else, or nothing, as another or unknown role', () => {
    for (const role of ['', '   ', 'Vaktmästare', 'Administratör', 'Kock', 'Studie- och yrkesvägledare', 'IT-tekniker'])
      assert.equal(group(role), 'otherRole', role);
    assert.equal(reporterRoleGroup(0, undefined), 'otherRole');
  });

  it('has four groups, the order the statistics print them in', () => {
    assert.deepEqual([...roleGroups], ['principal', 'teaching', 'studentHealth', 'otherRole']);
  });
});
