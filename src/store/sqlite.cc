#include "store/sqlite.h"

#include <fmt/format.h>

namespace tollgate::store {
namespace {

core::ErrorKind error_kind(int extended_code) {
    switch (extended_code) {
        case SQLITE_CONSTRAINT_PRIMARYKEY:
        case SQLITE_CONSTRAINT_UNIQUE:
            return core::ErrorKind::Conflict;
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            return core::ErrorKind::NotFound;
        case SQLITE_CONSTRAINT_CHECK:
        case SQLITE_CONSTRAINT_NOTNULL:
            return core::ErrorKind::InvalidInput;
        default:
            return core::ErrorKind::Io;
    }
}

}  // namespace

core::Error sqlite_error(sqlite3* db, std::string_view operation) {
    const int code = sqlite3_extended_errcode(db);
    const int primary = code & 0xff;
    core::Error error;
    error.kind = error_kind(code);
    error.side = error.kind == core::ErrorKind::Io ? core::Side::Internal : core::Side::Client;
    error.message = fmt::format("{} failed: {}", operation, sqlite3_errmsg(db));
    // Another process (a backup, the sqlite3 shell) held the lock past busy_timeout.
    error.retryable = primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    return error;
}

core::Result<Database> Database::open(const std::filesystem::path& path) {
    sqlite3* raw = nullptr;
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    const int status = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Database db(raw);
    if (status != SQLITE_OK) {
        if (raw == nullptr) {
            return core::Error::io(
                fmt::format("open database {} failed: {}", path.string(), sqlite3_errstr(status)));
        }
        return sqlite_error(raw, fmt::format("open database {}", path.string()));
    }
    return db;
}

core::Result<void> Database::execute(const char* sql, std::string_view operation) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return sqlite_error(db_.get(), operation);
    }
    return {};
}

core::Result<Statement> Statement::prepare(const Database& db, const char* sql, std::string_view operation) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &raw, nullptr) != SQLITE_OK) {
        return sqlite_error(db.handle(), operation);
    }
    return Statement(db.handle(), raw, std::string(operation));
}

Statement& Statement::bind(int index, std::string_view text) {
    const int status =
        sqlite3_bind_text64(statement_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (bind_status_ == SQLITE_OK) {
        bind_status_ = status;
    }
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    const int status = sqlite3_bind_int64(statement_.get(), index, value);
    if (bind_status_ == SQLITE_OK) {
        bind_status_ = status;
    }
    return *this;
}

Statement& Statement::bind(int index, std::span<const unsigned char> blob) {
    const int status =
        sqlite3_bind_blob64(statement_.get(), index, blob.data(), blob.size(), SQLITE_TRANSIENT);
    if (bind_status_ == SQLITE_OK) {
        bind_status_ = status;
    }
    return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
    if (text) {
        return bind(index, std::string_view(*text));
    }
    const int status = sqlite3_bind_null(statement_.get(), index);
    if (bind_status_ == SQLITE_OK) {
        bind_status_ = status;
    }
    return *this;
}

core::Result<bool> Statement::step() {
    if (bind_status_ != SQLITE_OK) {
        return core::Error::internal(fmt::format("{} failed: binding a parameter failed: {}", operation_,
                                                 sqlite3_errstr(bind_status_)));
    }
    const int status = sqlite3_step(statement_.get());
    if (status == SQLITE_ROW) {
        return true;
    }
    if (status == SQLITE_DONE) {
        return false;
    }
    return sqlite_error(db_, operation_);
}

core::Result<void> Statement::run() {
    auto stepped = step();
    if (!stepped) {
        return stepped.error();
    }
    return {};
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(statement_.get(), column);
    const int size = sqlite3_column_bytes(statement_.get(), column);
    if (data == nullptr) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (sqlite3_column_type(statement_.get(), column) == SQLITE_NULL) {
        return std::nullopt;
    }
    return text(column);
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(statement_.get(), column);
}

std::vector<unsigned char> Statement::blob(int column) const {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(statement_.get(), column));
    const int size = sqlite3_column_bytes(statement_.get(), column);
    if (data == nullptr) {
        return {};
    }
    return std::vector<unsigned char>(data, data + size);
}

}  // namespace tollgate::store
