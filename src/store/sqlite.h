#pragma once

// Thin RAII layer over the sqlite3 C API. Every value reaches SQLite through a bound
// parameter, and SQL text is always a constant of the caller.

#include "core/error.h"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::store {

struct SqliteClose {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct SqliteFinalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

// Builds an Error for a failed SQLite call from the connection's current error. The kind
// follows the result code: a UNIQUE or PRIMARY KEY violation is Conflict, a FOREIGN KEY
// violation NotFound, a CHECK or NOT NULL violation InvalidInput, anything else Io.
// `operation` names what was attempted, e.g. "insert certificate 1f… in project p1".
core::Error sqlite_error(sqlite3* db, std::string_view operation);

// One SQLite connection. Not thread-safe: it is opened with SQLITE_OPEN_NOMUTEX and must
// be used from one thread at a time.
class Database {
public:
    static core::Result<Database> open(const std::filesystem::path& path);

    sqlite3* handle() const { return db_.get(); }

    // Runs SQL text without parameters, e.g. DDL or BEGIN/COMMIT. Never pass values here.
    core::Result<void> execute(const char* sql, std::string_view operation);

private:
    explicit Database(sqlite3* db) : db_(db) {}

    std::unique_ptr<sqlite3, SqliteClose> db_;
};

// A prepared statement. Parameters are 1-based, as in sqlite3_bind_*.
class Statement {
public:
    static core::Result<Statement> prepare(const Database& db, const char* sql, std::string_view operation);

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::span<const unsigned char> blob);
    Statement& bind_optional(int index, const std::optional<std::string>& text);  // NULL when absent

    // Advances to the next row. Returns true when a row is available and false when the
    // statement has finished.
    core::Result<bool> step();

    // Runs a statement that returns no rows.
    core::Result<void> run();

    std::string text(int column) const;
    std::optional<std::string> optional_text(int column) const;
    std::int64_t integer(int column) const;
    std::vector<unsigned char> blob(int column) const;

private:
    Statement(sqlite3* db, sqlite3_stmt* statement, std::string operation)
        : db_(db), statement_(statement), operation_(std::move(operation)) {}

    sqlite3* db_;
    std::unique_ptr<sqlite3_stmt, SqliteFinalize> statement_;
    std::string operation_;
    int bind_status_ = SQLITE_OK;  // first failed bind, reported by step()
};

}  // namespace tollgate::store
