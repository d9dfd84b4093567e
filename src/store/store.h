#pragma once

// The embedded store: resources of the REST API kept in SQLite in the data directory.
//
// Threading: a Store and its transactions are used from one control thread only. The
// connection is opened without SQLite's mutexes, and on_commit callbacks run on that
// thread. Another process (a backup, the sqlite3 shell) may open the database at the same
// time; a writer then waits up to kBusyTimeout for the lock.

#include "core/error.h"
#include "store/document.h"
#include "store/sealing.h"
#include "store/sqlite.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::store {

inline constexpr const char* kDatabaseFileName = "tollgate.db";
inline constexpr std::chrono::milliseconds kBusyTimeout{5000};

class Store;

// One write transaction, started with BEGIN IMMEDIATE so that writers serialise. It rolls
// back on destruction unless commit() succeeded, and must not outlive its Store. Only one
// transaction of a Store may be open at a time. A failed call undoes its own writes and
// leaves the transaction open: the caller may go on, or destroy it to roll back.
class Transaction {
public:
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    core::Result<std::optional<Document>> get(std::string_view kind, std::string_view project_id,
                                              std::string_view id);
    core::Result<Page> list(std::string_view kind, std::string_view project_id, const ListQuery& query);
    // Returns every document of `kind` in every project, in insertion order.
    core::Result<std::vector<Document>> list_all(std::string_view kind);

    // Inserts a new document and its references, and returns it as stored, with
    // created_at and updated_at set to now. A document with the same kind, project and id
    // gives ErrorKind::Conflict, a body that is not a JSON object ErrorKind::InvalidInput.
    core::Result<Document> insert(const Document& document, const std::vector<OutgoingReference>& references);

    // Replaces parent_id, name, body and the references of an existing document, sets
    // updated_at to now and returns the document as stored. A missing document gives
    // ErrorKind::NotFound.
    core::Result<Document> update(const Document& document, const std::vector<OutgoingReference>& references);

    // Removes a document with its references and secrets. References made to it by other
    // documents stay: checking referrers() first is the caller's decision.
    core::Result<void> remove(std::string_view kind, std::string_view project_id, std::string_view id);

    // Returns the references made to kind/id, ordered by referring kind, id and field.
    core::Result<std::vector<Reference>> referrers(std::string_view kind, std::string_view project_id,
                                                   std::string_view id);
    // Returns the references that kind/id makes, ordered by field, ref_kind and ref_id.
    core::Result<std::vector<Reference>> references(std::string_view kind, std::string_view project_id,
                                                    std::string_view id);

    // Seals `plaintext` and stores it as `field` of an existing document, replacing an
    // earlier value. A missing document gives ErrorKind::NotFound.
    core::Result<void> put_secret(std::string_view kind, std::string_view project_id, std::string_view id,
                                  std::string_view field, std::string_view plaintext);
    // Opens a secret stored by put_secret(). A missing secret gives ErrorKind::NotFound.
    core::Result<SecretString> get_secret(std::string_view kind, std::string_view project_id,
                                          std::string_view id, std::string_view field);
    // Removes a secret. Removing a missing secret succeeds.
    core::Result<void> remove_secret(std::string_view kind, std::string_view project_id, std::string_view id,
                                     std::string_view field);

    // Commits, and when the transaction changed anything, increments the store revision
    // in the same commit and then runs the on_commit callbacks with it. Returns the
    // revision after the commit. A transaction without changes leaves the revision as it
    // is and runs no callback. After commit() every other call fails.
    core::Result<std::int64_t> commit();

private:
    friend class Store;
    explicit Transaction(Store& store) : store_(&store) {}

    core::Result<void> check_open(std::string_view operation) const;
    core::Result<void> write_references(const Document& document,
                                        const std::vector<OutgoingReference>& references);
    core::Result<std::vector<Reference>> query_references(const char* sql, std::string_view kind,
                                                          std::string_view project_id, std::string_view id,
                                                          std::string_view operation);
    core::Result<std::int64_t> marker_sequence(std::string_view kind, std::string_view project_id,
                                               const ListQuery& query);
    void finish();

    Store* store_;          // null once committed or rolled back
    bool changed_ = false;  // a write statement ran
};

class Store {
public:
    using CommitCallback = std::function<void(std::int64_t revision)>;
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    // Opens DATA_DIR/tollgate.db, creating the directory (mode 0700, its parent must
    // exist) and the database (mode 0600) when missing, and applies pending schema
    // migrations. Loads the secret key when one exists (see sealing.h).
    static core::Result<std::unique_ptr<Store>> open(const std::filesystem::path& data_dir);

    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    core::Result<Transaction> begin();

    // Returns the revision of the last commit that changed something; 0 for a new store.
    core::Result<std::int64_t> revision() const;

    // Returns the number of the last applied schema migration.
    core::Result<int> schema_version() const;

    // Registers a callback that runs after each commit that changed something, in the
    // order of registration. The committed transaction has ended by then, so a callback may
    // begin() a new one. A callback that throws is logged and does not undo the commit.
    void on_commit(CommitCallback callback);

    // Replaces the clock that sets created_at and updated_at, for tests.
    void set_clock(Clock clock);

    const std::filesystem::path& data_dir() const { return data_dir_; }
    std::filesystem::path database_path() const { return data_dir_ / kDatabaseFileName; }

private:
    friend class Transaction;
    Store(std::filesystem::path data_dir, Database db, Sealer sealer);

    std::filesystem::path data_dir_;
    Database db_;
    Sealer sealer_;
    std::vector<CommitCallback> callbacks_;
    Clock clock_;
    bool in_transaction_ = false;
};

}  // namespace tollgate::store
