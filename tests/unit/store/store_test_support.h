#pragma once

// Helpers shared by the store tests: a temporary data directory, control of
// TOLLGATE_SECRET_KEY, and raw SQL access to check what the store wrote.

#include "store/secret_key.h"
#include "store/store.h"
#include "temp_dir.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::store::test {

// A temporary directory with the data directory that the tests give to Store::open().
class TempDir : public ::tollgate::test::TempDir {
public:
    // The store creates it.
    std::filesystem::path data_dir() const { return path() / "data"; }
};

// Sets or unsets TOLLGATE_SECRET_KEY for one scope and restores the earlier value.
class SecretKeyVariable {
public:
    explicit SecretKeyVariable(const std::optional<std::string>& value) {
        if (const char* current = std::getenv(kSecretKeyVariable)) {
            saved_ = current;
        }
        set(value);
    }
    SecretKeyVariable(const SecretKeyVariable&) = delete;
    SecretKeyVariable& operator=(const SecretKeyVariable&) = delete;
    ~SecretKeyVariable() { set(saved_); }

    static void set(const std::optional<std::string>& value) {
        if (value) {
            ::setenv(kSecretKeyVariable, value->c_str(), 1);
        } else {
            ::unsetenv(kSecretKeyVariable);
        }
    }

private:
    std::optional<std::string> saved_;
};

inline mode_t file_mode(const std::filesystem::path& path) {
    struct stat status {};
    EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
    return status.st_mode & 07777;
}

// A second connection to a store's database, for checks in raw SQL. Values are bound as
// text parameters ?1, ?2, ...
class RawDatabase {
public:
    explicit RawDatabase(const std::filesystem::path& path) {
        EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK) << path;
    }
    RawDatabase(const RawDatabase&) = delete;
    RawDatabase& operator=(const RawDatabase&) = delete;
    ~RawDatabase() { sqlite3_close_v2(db_); }

    // Returns every row, each column as text (BLOBs as their raw bytes, NULL as "").
    std::vector<std::vector<std::string>> rows(const std::string& sql,
                                               const std::vector<std::string>& parameters = {}) {
        std::vector<std::vector<std::string>> result;
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
            return result;
        }
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            sqlite3_bind_text(statement, static_cast<int>(i + 1), parameters[i].c_str(), -1,
                              SQLITE_TRANSIENT);
        }
        int status = SQLITE_OK;
        while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int column = 0; column < sqlite3_column_count(statement); ++column) {
                const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, column));
                row.emplace_back(
                    data == nullptr ? "" : std::string(data, sqlite3_column_bytes(statement, column)));
            }
            result.push_back(std::move(row));
        }
        if (status != SQLITE_DONE) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
        }
        sqlite3_finalize(statement);
        return result;
    }

    // Returns the first column of the first row, or "" without rows.
    std::string value(const std::string& sql, const std::vector<std::string>& parameters = {}) {
        auto result = rows(sql, parameters);
        return result.empty() || result.front().empty() ? std::string() : result.front().front();
    }

    void execute(const std::string& sql, const std::vector<std::string>& parameters = {}) {
        rows(sql, parameters);
    }

private:
    sqlite3* db_ = nullptr;
};

// Opens a store and fails the test when that fails.
inline std::unique_ptr<Store> open_store(const std::filesystem::path& data_dir) {
    auto store = Store::open(data_dir);
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
}

inline Document make_document(std::string kind, std::string id, std::string body = "{}",
                              std::optional<std::string> parent_id = std::nullopt) {
    return Document{
        .kind = std::move(kind),
        .project_id = "p1",
        .id = std::move(id),
        .parent_id = std::move(parent_id),
        .name = "",
        .body = std::move(body),
    };
}

}  // namespace tollgate::store::test
