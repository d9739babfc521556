export const sv = {
  title: 'Värna – stöd när du är orolig för ett barn',
  intro:
    'Här anmäler du oro för att ett barn far illa till socialtjänsten (orosanmälan), rådfrågar socialtjänsten utan att nämna barnet och ser återkopplingen på dina anmälningar.',
  acute: '**Är barnet i akut fara? Ring 112.**',
  notUnderstood: 'Jag förstod inte det. Välj något av alternativen nedan.',
  report: 'Anmäl oro',
  consult: 'Konsultera anonymt',
  duty: 'Om anmälningsplikten',
  myReports: 'Mina anmälningar',
  resumeDraft: 'Fortsätt utkast',
  draftWaiting: (n: number) =>
    n === 1
      ? 'Du har ett påbörjat utkast. Anmälningsplikten gäller genast.'
      : `Du har ${n} påbörjade utkast. Anmälningsplikten gäller genast.`,
};
export type WelcomeStrings = typeof sv;

export const en: WelcomeStrings = {
  title: 'Värna – support when you are worried about a child',
  intro:
    'Here you report a concern that a child is being harmed to the social services (orosanmälan), consult the social services without naming the child, and see the feedback on your reports.',
  acute: '**Is the child in immediate danger? Call 112.**',
  notUnderstood: 'I did not understand that. Choose one of the options below.',
  report: 'Report a concern',
  consult: 'Consult anonymously',
  duty: 'About the duty to report',
  myReports: 'My reports',
  resumeDraft: 'Continue draft',
  draftWaiting: (n: number) =>
    n === 1
      ? 'You have a draft in progress. The duty is to report at once.'
      : `You have ${n} drafts in progress. The duty is to report at once.`,
};
