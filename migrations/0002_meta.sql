-- Facts about the database itself. `key_check` is a Fernet token of a fixed text under
-- the secret key the database belongs to, so a wrong key is refused (exit 4, nothing
-- changed) even before any channel holds a secret.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
