/** "värna status" in a team channel: what an admin needs to fill the municipality config. */
export const sv = {
  statusTitle: 'Värna i den här kanalen',
  postingWorks: 'Värna kan skriva i den här kanalen: det här svaret är beviset.',
  teamId: 'Teamets id (teamId)',
  thisChannel: 'Den här kanalens id',
  otherChannels: 'Övriga kanaler i teamet',
  noOtherChannels: 'Teamet har inga andra kanaler som Värna ser.',
  channelsUnavailable: 'Värna kunde inte hämta teamets kanaler just nu. Försök igen om en stund.',
  general: 'Allmänt',
  unitFound: (unit: string) => `Teamet är mottagningsenheten **${unit}** i konfigurationen.`,
  unitMissing:
    'Teamet finns inte i konfigurationen än. Skriv in teamId ovan under intakeUnits och kanalernas id som reportsChannelId och consultationsChannelId, och starta om Värna.',
  reportsChannel: 'Anmälningar (reportsChannelId)',
  consultationsChannel: 'Konsultationer (consultationsChannelId)',
  channelOk: 'finns i teamet',
  channelThis: 'den här kanalen',
  channelMissing: 'finns INTE i teamet: rätta id:t i konfigurationen',
  installMissing:
    'Värna har inte sparat installationen i det här teamet, så anmälningar kan inte skickas hit. Ta bort appen från teamet och lägg till den igen.',
  snippet: 'Att klistra in i konfigurationen:',
  onlyInTeams:
    'Kommandot "värna status" fungerar i en kanal i ett team där Värna är installerat. Nämn @Värna i kanalen och skriv "värna status".',
};
export type AdminStrings = typeof sv;

export const en: AdminStrings = {
  statusTitle: 'Värna in this channel',
  postingWorks: 'Värna can post in this channel: this reply proves it.',
  teamId: 'Team id (teamId)',
  thisChannel: "This channel's id",
  otherChannels: 'Other channels in the team',
  noOtherChannels: 'The team has no other channels that Värna can see.',
  channelsUnavailable: "Värna could not list the team's channels right now. Please try again shortly.",
  general: 'General',
  unitFound: (unit: string) => `This team is the intake unit **${unit}** in the configuration.`,
  unitMissing:
    'This team is not in the configuration yet. Enter the teamId above under intakeUnits and the channel ids as reportsChannelId and consultationsChannelId, then restart Värna.',
  reportsChannel: 'Reports (reportsChannelId)',
  consultationsChannel: 'Consultations (consultationsChannelId)',
  channelOk: 'exists in the team',
  channelThis: 'this channel',
  channelMissing: 'does NOT exist in the team: correct the id in the configuration',
  installMissing:
    'Värna has not stored its installation in this team, so reports cannot be posted here. Remove the app from the team and add it again.',
  snippet: 'To paste into the configuration:',
  onlyInTeams:
    'The command "värna status" works in a channel of a team where Värna is installed. Mention @Värna in the channel and type "värna status".',
};
