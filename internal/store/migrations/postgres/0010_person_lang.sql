-- The language a person reads KAM in (docs/notifications.md): the inbox
-- items and e-mails of notifications are written in it. '' is the
-- installation's default language (zh-CN). Set on the person's /me page.
ALTER TABLE people ADD COLUMN lang TEXT NOT NULL DEFAULT '';
