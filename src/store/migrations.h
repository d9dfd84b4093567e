#pragma once

#include "core/error.h"
#include "store/sqlite.h"

#include <string>

namespace tollgate::store {

// Returns the number of the newest schema migration this build supports.
int latest_schema_version();

// Brings the schema up to date: applies each migration newer than the highest version in
// table schema_migrations, each in its own transaction, and records it there with
// `applied_at`. Applying twice changes nothing. Fails when the database was written by a
// newer build whose schema this one does not know.
core::Result<void> apply_migrations(Database& db, const std::string& applied_at);

// Returns the highest applied migration, 0 when none is.
core::Result<int> applied_schema_version(const Database& db);

}  // namespace tollgate::store
