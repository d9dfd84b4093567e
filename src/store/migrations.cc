#include "store/migrations.h"

#include "core/logging.h"

#include <fmt/format.h>

#include <array>

namespace tollgate::store {
namespace {

struct Migration {
    int version;
    const char* name;
    const char* sql;
};

// Migration 1: the initial schema.
//
// resources.seq orders documents by insertion for list pages. It is the incremented
// meta.last_seq, so it never repeats, even after a delete. refs and secrets belong to
// the referring document and go with it (ON DELETE CASCADE). A reference has no foreign
// key on its target: targets may be built in (system security policies), and whether a
// resource in use may be deleted is decided by the API layer through referrers().
constexpr const char* kInitialSchema = R"sql(
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('revision', 0), ('last_seq', 0);

CREATE TABLE resources (
    kind       TEXT NOT NULL,
    project_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    parent_id  TEXT NULL,
    name       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    seq        INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (kind, project_id, id),
    CONSTRAINT body_is_json_object CHECK (json_valid(body) AND json_type(body) = 'object')
);
CREATE INDEX resources_by_seq ON resources (kind, project_id, seq);
CREATE INDEX resources_by_parent ON resources (kind, project_id, parent_id, seq);

CREATE TABLE refs (
    kind       TEXT NOT NULL,
    project_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    ref_kind   TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    field      TEXT NOT NULL,
    PRIMARY KEY (kind, project_id, id, field, ref_kind, ref_id),
    FOREIGN KEY (kind, project_id, id) REFERENCES resources (kind, project_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX refs_by_target ON refs (ref_kind, project_id, ref_id);

CREATE TABLE secrets (
    kind       TEXT NOT NULL,
    project_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    field      TEXT NOT NULL,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    key_id     TEXT NOT NULL,
    PRIMARY KEY (kind, project_id, id, field),
    FOREIGN KEY (kind, project_id, id) REFERENCES resources (kind, project_id, id) ON DELETE CASCADE
);
)sql";

constexpr std::array kMigrations = {
    Migration{1, "initial schema", kInitialSchema},
};

constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
)sql";

// Runs the SQL of a migration and records it, unless a concurrent process applied it
// first: the version is read again inside the transaction, which holds the write lock.
// Returns whether it ran.
core::Result<bool> run_migration(Database& db, const Migration& migration, const std::string& applied_at,
                                 std::string_view operation) {
    auto applied = applied_schema_version(db);
    if (!applied) {
        return applied.error();
    }
    if (*applied >= migration.version) {
        return false;
    }
    if (auto done = db.execute(migration.sql, operation); !done) {
        return done.error();
    }
    auto record = Statement::prepare(
        db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)", operation);
    if (!record) {
        return record.error();
    }
    record->bind(1, std::int64_t{migration.version})
        .bind(2, std::string_view(migration.name))
        .bind(3, std::string_view(applied_at));
    if (auto recorded = record->run(); !recorded) {
        return recorded.error();
    }
    return true;
}

core::Result<void> apply_migration(Database& db, const Migration& migration, const std::string& applied_at) {
    const std::string operation = fmt::format("schema migration {} ({})", migration.version, migration.name);
    if (auto begun = db.execute("BEGIN IMMEDIATE", operation); !begun) {
        return begun.error();
    }
    auto ran = run_migration(db, migration, applied_at, operation);
    if (!ran) {
        (void)db.execute("ROLLBACK", operation);
        return ran.error();
    }
    if (auto committed = db.execute("COMMIT", operation); !committed) {
        (void)db.execute("ROLLBACK", operation);
        return committed.error();
    }
    if (*ran) {
        core::logger("store")->info("applied schema migration {} ({})", migration.version, migration.name);
    }
    return {};
}

}  // namespace

int latest_schema_version() {
    return kMigrations.back().version;
}

core::Result<int> applied_schema_version(const Database& db) {
    auto statement = Statement::prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                                        "read schema version");
    if (!statement) {
        return statement.error();
    }
    auto row = statement->step();
    if (!row) {
        return row.error();
    }
    return static_cast<int>(statement->integer(0));
}

core::Result<void> apply_migrations(Database& db, const std::string& applied_at) {
    if (auto created = db.execute(kCreateMigrationsTable, "create table schema_migrations"); !created) {
        return created.error();
    }
    auto applied = applied_schema_version(db);
    if (!applied) {
        return applied.error();
    }
    if (*applied > latest_schema_version()) {
        return core::Error::internal(
            fmt::format("the database has schema version {}, newer than version {} that this tollgate "
                        "supports; run a newer "
                        "tollgate or restore a backup",
                        *applied, latest_schema_version()));
    }
    for (const Migration& migration : kMigrations) {
        if (migration.version <= *applied) {
            continue;
        }
        if (auto done = apply_migration(db, migration, applied_at); !done) {
            return done.error();
        }
    }
    return {};
}

}  // namespace tollgate::store
