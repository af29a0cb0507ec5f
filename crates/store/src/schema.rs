//! The schema, versioned by `PRAGMA user_version`. Each migration runs once, in order, in
//! one transaction; a database from a newer station is refused rather than damaged.

pub const MIGRATIONS: &[&str] = &[
    // v1
    r#"
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE dictionary_entries (
        kind     TEXT NOT NULL,
        position INTEGER NOT NULL,
        orders   TEXT NOT NULL,
        value    TEXT NOT NULL,
        flag     TEXT NOT NULL,
        PRIMARY KEY (kind, orders)
    );
    CREATE TABLE dictionary_fetches (
        kind       TEXT PRIMARY KEY,
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE companies (
        suid          TEXT PRIMARY KEY,
        company_name  TEXT NOT NULL,
        data          TEXT NOT NULL,
        sync_state    TEXT NOT NULL,
        sync_message  TEXT NOT NULL DEFAULT '',
        removed       INTEGER NOT NULL DEFAULT 0,
        updated_at    TEXT NOT NULL
    );
    CREATE TABLE workers (
        id_code       TEXT PRIMARY KEY,
        emp_name      TEXT NOT NULL,
        emp_company   TEXT NOT NULL,
        data          TEXT NOT NULL,
        emp_id        TEXT NOT NULL DEFAULT '',
        modify_time   TEXT NOT NULL DEFAULT '',
        pass_period_answered TEXT NOT NULL DEFAULT '',
        -- the personnel type the platform accepted first: it can never change
        locked_category TEXT NOT NULL DEFAULT '',
        sync_state    TEXT NOT NULL,
        sync_message  TEXT NOT NULL DEFAULT '',
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX workers_company ON workers (emp_company);
    CREATE TABLE worker_photos (
        id_code TEXT NOT NULL REFERENCES workers (id_code) ON DELETE CASCADE,
        kind    TEXT NOT NULL,
        jpeg    BLOB NOT NULL,
        PRIMARY KEY (id_code, kind)
    );
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        kind            TEXT NOT NULL,
        record_key      TEXT NOT NULL,
        label           TEXT NOT NULL,
        state           TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_code       TEXT NOT NULL DEFAULT '',
        last_message    TEXT NOT NULL DEFAULT '',
        last_advice     TEXT NOT NULL DEFAULT '',
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        sent_at         TEXT
    );
    CREATE INDEX outbox_state ON outbox (state, id);
    CREATE INDEX outbox_record ON outbox (kind, record_key);
    CREATE TABLE departures (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        id_code      TEXT NOT NULL,
        exit_time    TEXT NOT NULL,
        outbox_id    INTEGER NOT NULL REFERENCES outbox (id),
        sync_state   TEXT NOT NULL,
        sync_message TEXT NOT NULL DEFAULT '',
        created_at   TEXT NOT NULL
    );
    CREATE INDEX departures_outbox ON departures (outbox_id);
    CREATE INDEX departures_worker ON departures (id_code);
    CREATE TABLE attendance_logs (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        person_id    TEXT NOT NULL,
        person_name  TEXT NOT NULL,
        passed_time  TEXT NOT NULL,
        direction    TEXT NOT NULL,
        way          TEXT NOT NULL,
        site_photo   BLOB,
        outbox_id    INTEGER REFERENCES outbox (id),
        created_at   TEXT NOT NULL
    );
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        action  TEXT NOT NULL,
        record  TEXT NOT NULL,
        detail  TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE endpoint_successes (
        environment TEXT NOT NULL,
        endpoint    TEXT NOT NULL,
        count       INTEGER NOT NULL,
        PRIMARY KEY (environment, endpoint)
    );
    "#,
    // v2: why an item is parked and under which settings, whether an earlier attempt may
    // have reached the platform, and the platform's result_data when it matters.
    r#"
    ALTER TABLE outbox ADD COLUMN park_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE outbox ADD COLUMN refused_under TEXT NOT NULL DEFAULT '';
    ALTER TABLE outbox ADD COLUMN maybe_delivered INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN last_detail TEXT NOT NULL DEFAULT '';
    CREATE INDEX outbox_park ON outbox (park_reason, state);
    "#,
    // v3: the project's blacklist (every change goes to the audit trail as well).
    r#"
    CREATE TABLE blacklist (
        id_code   TEXT PRIMARY KEY,
        name      TEXT NOT NULL DEFAULT '',
        reason    TEXT NOT NULL DEFAULT '',
        added_by  TEXT NOT NULL DEFAULT '',
        added_at  TEXT NOT NULL
    );
    "#,
    // v4: attendance logs know who (worker or visitor, their ID number and company) for the
    // day's list and the debounce; each has its own outbox item.
    r#"
    ALTER TABLE attendance_logs ADD COLUMN person_type TEXT NOT NULL DEFAULT '1';
    ALTER TABLE attendance_logs ADD COLUMN id_code TEXT NOT NULL DEFAULT '';
    ALTER TABLE attendance_logs ADD COLUMN company TEXT NOT NULL DEFAULT '';
    CREATE INDEX attendance_person ON attendance_logs (id_code, direction, passed_time);
    CREATE INDEX attendance_time ON attendance_logs (passed_time);
    "#,
    // v5: workers imported from a subcontractor's list, not enrolled yet (待补全). A table of
    // their own, with no outbox entry, so that the sender, departures and company checks never
    // see one; completing a draft saves the worker and deletes the draft in one transaction.
    r#"
    CREATE TABLE worker_drafts (
        id_code      TEXT PRIMARY KEY,
        emp_name     TEXT NOT NULL,
        emp_company  TEXT NOT NULL,
        data         TEXT NOT NULL,
        -- the file and row it came from, for the clerk and the audit trail
        source       TEXT NOT NULL DEFAULT '',
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
    );
    "#,
    // v6: a small face picture per worker for the roster, made when the photo is saved; it
    // stays when old photos are pruned.
    r#"
    CREATE TABLE worker_thumbnails (
        id_code TEXT PRIMARY KEY REFERENCES workers (id_code) ON DELETE CASCADE,
        jpeg    BLOB NOT NULL
    );
    "#,
    // v7: attendance knows faces (issue 21 item 5). One descriptor per worker for 1:N at the
    // 考勤 point, NULL when the face photo was tried and holds no face (so the backfill does
    // not try it again until the model changes); and how each log's person was identified.
    r#"
    CREATE TABLE face_descriptors (
        id_code    TEXT PRIMARY KEY REFERENCES workers (id_code) ON DELETE CASCADE,
        descriptor BLOB,
        model      TEXT NOT NULL,
        source     TEXT NOT NULL,
        note       TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    ALTER TABLE attendance_logs ADD COLUMN identified_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE attendance_logs ADD COLUMN face_distance REAL;
    "#,
];
