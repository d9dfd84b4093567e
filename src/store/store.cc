#include "store/store.h"

#include "core/logging.h"
#include "store/ids.h"
#include "store/migrations.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tollgate::store {
namespace {

// Creates the data directory with mode 0700 when missing. An existing directory keeps
// its mode: its owner chose it.
core::Result<void> prepare_data_dir(const std::filesystem::path& data_dir) {
    if (::mkdir(data_dir.c_str(), 0700) == 0) {
        core::logger("store")->info("created data directory {}", data_dir.string());
        return {};
    }
    if (errno != EEXIST) {
        return core::Error::io(
            fmt::format("create data directory {} failed: {}", data_dir.string(), std::strerror(errno)));
    }
    struct stat status {};
    if (::stat(data_dir.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
        return core::Error::invalid(fmt::format("data directory {} is not a directory", data_dir.string()));
    }
    return {};
}

// Creates the database file with mode 0600 before SQLite opens it, because SQLite creates
// files with mode 0644 minus the umask. SQLite gives its -wal and -shm files the mode of
// the database file. An existing database with group or other permissions is tightened.
core::Result<void> prepare_database_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return core::Error::io(
            fmt::format("create database {} failed: {}", path.string(), std::strerror(errno)));
    }
    struct stat status {};
    core::Result<void> result;
    if (::fstat(fd, &status) != 0) {
        result = core::Error::io(fmt::format("stat {} failed: {}", path.string(), std::strerror(errno)));
    } else if ((status.st_mode & 077) != 0) {
        if (::fchmod(fd, 0600) != 0) {
            result =
                core::Error::io(fmt::format("chmod 600 {} failed: {}", path.string(), std::strerror(errno)));
        } else {
            core::logger("store")->warn("changed mode of {} from {:04o} to 0600", path.string(),
                                        status.st_mode & 07777);
        }
    }
    ::close(fd);
    return result;
}

core::Result<void> configure_connection(Database& db, const std::filesystem::path& path) {
    const std::string operation = fmt::format("configure database {}", path.string());
    // journal_mode returns the mode in force, which stays "delete" where WAL is unsupported.
    auto journal = Statement::prepare(db, "PRAGMA journal_mode = WAL", operation);
    if (!journal) {
        return journal.error();
    }
    auto row = journal->step();
    if (!row) {
        return row.error();
    }
    if (!*row || journal->text(0) != "wal") {
        return core::Error::io(
            fmt::format("{} failed: the file system does not support WAL mode", operation));
    }
    if (sqlite3_busy_timeout(db.handle(), static_cast<int>(kBusyTimeout.count())) != SQLITE_OK) {
        return sqlite_error(db.handle(), operation);
    }
    // FULL syncs the WAL on every commit, so an acknowledged commit survives a power loss.
    return db.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", operation);
}

}  // namespace

Store::Store(std::filesystem::path data_dir, Database db, Sealer sealer)
    : data_dir_(std::move(data_dir)),
      db_(std::move(db)),
      sealer_(std::move(sealer)),
      clock_([] { return std::chrono::system_clock::now(); }) {}

core::Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& data_dir) {
    if (auto prepared = prepare_data_dir(data_dir); !prepared) {
        return prepared.error();
    }
    auto sealer = Sealer::load(data_dir);
    if (!sealer) {
        return sealer.error();
    }
    const auto path = data_dir / kDatabaseFileName;
    if (auto prepared = prepare_database_file(path); !prepared) {
        return prepared.error();
    }
    auto db = Database::open(path);
    if (!db) {
        return db.error();
    }
    if (auto configured = configure_connection(*db, path); !configured) {
        return configured.error();
    }
    if (auto migrated = apply_migrations(*db, format_timestamp(std::chrono::system_clock::now()));
        !migrated) {
        return migrated.error();
    }

    std::unique_ptr<Store> store(new Store(data_dir, std::move(*db), std::move(*sealer)));
    auto revision = store->revision();
    if (!revision) {
        return revision.error();
    }
    core::logger("store")->info("opened {} schema_version={} revision={}", path.string(),
                                latest_schema_version(), *revision);
    return store;
}

core::Result<Transaction> Store::begin() {
    if (in_transaction_) {
        return core::Error::internal(
            "begin transaction failed: another transaction of this store is still open");
    }
    if (auto begun = db_.execute("BEGIN IMMEDIATE", "begin transaction"); !begun) {
        return begun.error();
    }
    in_transaction_ = true;
    return Transaction(*this);
}

core::Result<std::int64_t> Store::revision() const {
    auto statement =
        Statement::prepare(db_, "SELECT value FROM meta WHERE key = 'revision'", "read revision");
    if (!statement) {
        return statement.error();
    }
    auto row = statement->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return core::Error::internal("read revision failed: table meta has no revision row");
    }
    return statement->integer(0);
}

core::Result<int> Store::schema_version() const {
    return applied_schema_version(db_);
}

void Store::on_commit(CommitCallback callback) {
    callbacks_.push_back(std::move(callback));
}

void Store::set_clock(Clock clock) {
    clock_ = std::move(clock);
}

}  // namespace tollgate::store
