/**
 * Table types. Times are ISO-8601 UTC strings, booleans 0/1, JSON as text: the same in SQLite and
 * PostgreSQL, so one set of queries serves both. Anything that identifies a child or carries
 * free text lives only in `sealed` columns (encrypted with the record's data key).
 */
export interface KvTable {
  key: string;
  etag: string;
  value: string;
  updated_at: string;
}

export interface InstallationTable {
  key: string;
  kind: 'personal' | 'team';
  aad_object_id: string | null;
  team_id: string | null;
  tenant_id: string;
  service_url: string;
  conversation_id: string;
  reference: string;
  installed_at: string;
  updated_at: string;
}

export interface UserTable {
  aad_object_id: string;
  locale: string | null;
  school_id: string | null;
  phone: string | null;
  updated_at: string;
}

export interface DataKeyTable {
  record_id: string;
  master_key_id: string;
  wrapped: string;
  created_at: string;
}

export interface OutboxTable {
  id: string;
  dedupe_key: string;
  target: string;
  message: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: string;
  deadline_at: string | null;
  deadline_alerted_at: string | null;
  locked_until: string | null;
  last_error: string | null;
  result: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface AuditTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  outcome: 'allowed' | 'refused';
  detail: string;
  prev_hash: string;
  hash: string;
}

export interface Database {
  kv: KvTable;
  installations: InstallationTable;
  users: UserTable;
  data_keys: DataKeyTable;
  outbox: OutboxTable;
  audit: AuditTable;
}
