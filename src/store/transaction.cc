#include "core/logging.h"
#include "store/ids.h"
#include "store/store.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <utility>

namespace tollgate::store {
namespace {

// Column list shared by every query that builds a Document with read_document().
#define TOLLGATE_DOCUMENT_COLUMNS "kind, project_id, id, parent_id, name, body, created_at, updated_at"

constexpr const char* kSelectDocument =
    "SELECT " TOLLGATE_DOCUMENT_COLUMNS " FROM resources WHERE kind = ?1 AND project_id = ?2 AND id = ?3";

// List queries: ?1 kind, ?2 project, ?3 seq of the marker, ?4 parent_id.
constexpr const char* kListForward = "SELECT " TOLLGATE_DOCUMENT_COLUMNS
                                     " FROM resources WHERE kind = ?1 AND project_id = ?2 AND seq > ?3"
                                     " ORDER BY seq ASC";
constexpr const char* kListReverse = "SELECT " TOLLGATE_DOCUMENT_COLUMNS
                                     " FROM resources WHERE kind = ?1 AND project_id = ?2 AND seq < ?3"
                                     " ORDER BY seq DESC";
constexpr const char* kListChildrenForward =
    "SELECT " TOLLGATE_DOCUMENT_COLUMNS
    " FROM resources WHERE kind = ?1 AND project_id = ?2 AND seq > ?3"
    " AND parent_id = ?4 ORDER BY seq ASC";
constexpr const char* kListChildrenReverse =
    "SELECT " TOLLGATE_DOCUMENT_COLUMNS
    " FROM resources WHERE kind = ?1 AND project_id = ?2 AND seq < ?3"
    " AND parent_id = ?4 ORDER BY seq DESC";

constexpr const char* kListAll =
    "SELECT " TOLLGATE_DOCUMENT_COLUMNS " FROM resources WHERE kind = ?1 ORDER BY seq ASC";

#undef TOLLGATE_DOCUMENT_COLUMNS

constexpr const char* kSelectReferrers =
    "SELECT kind, project_id, id, field, ref_kind, ref_id FROM refs"
    " WHERE ref_kind = ?1 AND project_id = ?2 AND ref_id = ?3 ORDER BY kind, id, field";
constexpr const char* kSelectReferences =
    "SELECT kind, project_id, id, field, ref_kind, ref_id FROM refs"
    " WHERE kind = ?1 AND project_id = ?2 AND id = ?3 ORDER BY field, ref_kind, ref_id";

Document read_document(const Statement& statement) {
    return Document{
        .kind = statement.text(0),
        .project_id = statement.text(1),
        .id = statement.text(2),
        .parent_id = statement.optional_text(3),
        .name = statement.text(4),
        .body = statement.text(5),
        .created_at = statement.text(6),
        .updated_at = statement.text(7),
    };
}

std::string describe(std::string_view kind, std::string_view id, std::string_view project_id) {
    return fmt::format("{} {} in project {}", kind, id, project_id);
}

core::Error not_found(std::string_view operation) {
    return core::Error{core::ErrorKind::NotFound, core::Side::Client,
                       fmt::format("{} failed: not found", operation), false};
}

// Runs `body` inside a savepoint, so that a failed operation undoes its own statements and
// leaves the enclosing transaction as it was before the call.
template <typename Body>
auto in_savepoint(Database& db, std::string_view operation, Body&& body) -> decltype(body()) {
    if (auto begun = db.execute("SAVEPOINT operation", operation); !begun) {
        return begun.error();
    }
    auto result = body();
    if (!result) {
        (void)db.execute("ROLLBACK TO operation; RELEASE operation", operation);
        return result;
    }
    if (auto released = db.execute("RELEASE operation", operation); !released) {
        return released.error();
    }
    return result;
}

// Steps a statement to its end, for INSERT/UPDATE/DELETE ... RETURNING after its row is read.
core::Result<void> finish_statement(Statement& statement) {
    while (true) {
        auto row = statement.step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return {};
        }
    }
}

// Increments a counter of table meta and returns its new value.
core::Result<std::int64_t> increment_counter(Database& db, std::string_view key, std::string_view operation) {
    auto statement =
        Statement::prepare(db, "UPDATE meta SET value = value + 1 WHERE key = ?1 RETURNING value", operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, key);
    auto row = statement->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return core::Error::internal(fmt::format("{} failed: table meta has no row {}", operation, key));
    }
    const std::int64_t value = statement->integer(0);
    if (auto finished = finish_statement(*statement); !finished) {
        return finished.error();
    }
    return value;
}

}  // namespace

Transaction::Transaction(Transaction&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)), changed_(other.changed_) {}

Transaction::~Transaction() {
    if (store_ == nullptr) {
        return;
    }
    if (auto rolled_back = store_->db_.execute("ROLLBACK", "roll back transaction"); !rolled_back) {
        core::logger("store")->error("{}", rolled_back.error().message);
    }
    finish();
}

void Transaction::finish() {
    store_->in_transaction_ = false;
    store_ = nullptr;
}

core::Result<void> Transaction::check_open(std::string_view operation) const {
    if (store_ == nullptr) {
        return core::Error::internal(fmt::format("{} failed: the transaction has already ended", operation));
    }
    return {};
}

core::Result<std::optional<Document>> Transaction::get(std::string_view kind, std::string_view project_id,
                                                       std::string_view id) {
    const std::string operation = "get " + describe(kind, id, project_id);
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    auto statement = Statement::prepare(store_->db_, kSelectDocument, operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind).bind(2, project_id).bind(3, id);
    auto row = statement->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<Document>();
    }
    return std::optional<Document>(read_document(*statement));
}

core::Result<std::int64_t> Transaction::marker_sequence(std::string_view kind, std::string_view project_id,
                                                        const ListQuery& query) {
    if (!query.marker) {
        return query.page_reverse ? std::numeric_limits<std::int64_t>::max() : std::int64_t{0};
    }
    const std::string operation = fmt::format("list {} in project {}", kind, project_id);
    auto statement = Statement::prepare(
        store_->db_, "SELECT seq FROM resources WHERE kind = ?1 AND project_id = ?2 AND id = ?3", operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind).bind(2, project_id).bind(3, std::string_view(*query.marker));
    auto row = statement->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return core::Error::invalid(fmt::format("{} failed: marker {} is not the id of a {} in this project",
                                                operation, *query.marker, kind));
    }
    return statement->integer(0);
}

core::Result<Page> Transaction::list(std::string_view kind, std::string_view project_id,
                                     const ListQuery& query) {
    const std::string operation = fmt::format("list {} in project {}", kind, project_id);
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    if (query.limit > kMaxListLimit) {
        return core::Error::invalid(
            fmt::format("{} failed: limit {} is out of range 0-{}", operation, query.limit, kMaxListLimit));
    }
    auto marker = marker_sequence(kind, project_id, query);
    if (!marker) {
        return marker.error();
    }

    const char* sql = query.parent_id ? (query.page_reverse ? kListChildrenReverse : kListChildrenForward)
                                      : (query.page_reverse ? kListReverse : kListForward);
    auto statement = Statement::prepare(store_->db_, sql, operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind).bind(2, project_id).bind(3, *marker);
    if (query.parent_id) {
        statement->bind(4, std::string_view(*query.parent_id));
    }

    // Rows come one step at a time, so the scan stops at the first match past the page.
    Page page;
    while (true) {
        auto row = statement->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        Document document = read_document(*statement);
        if (query.filter && !query.filter(document)) {
            continue;
        }
        if (page.documents.size() == query.limit) {
            page.has_more = true;
            break;
        }
        page.documents.push_back(std::move(document));
    }
    if (query.page_reverse) {
        std::reverse(page.documents.begin(), page.documents.end());
    }
    return page;
}

core::Result<std::vector<Document>> Transaction::list_all(std::string_view kind) {
    const std::string operation = fmt::format("list {} in every project", kind);
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    auto statement = Statement::prepare(store_->db_, kListAll, operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind);
    std::vector<Document> documents;
    while (true) {
        auto row = statement->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return documents;
        }
        documents.push_back(read_document(*statement));
    }
}

core::Result<void> Transaction::write_references(const Document& document,
                                                 const std::vector<OutgoingReference>& references) {
    for (const OutgoingReference& reference : references) {
        const std::string operation =
            fmt::format("store reference {} -> {} {} of {}", reference.field, reference.ref_kind,
                        reference.ref_id, describe(document.kind, document.id, document.project_id));
        auto statement = Statement::prepare(store_->db_,
                                            "INSERT INTO refs (kind, project_id, id, field, ref_kind, ref_id)"
                                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                                            operation);
        if (!statement) {
            return statement.error();
        }
        statement->bind(1, std::string_view(document.kind))
            .bind(2, std::string_view(document.project_id))
            .bind(3, std::string_view(document.id))
            .bind(4, std::string_view(reference.field))
            .bind(5, std::string_view(reference.ref_kind))
            .bind(6, std::string_view(reference.ref_id));
        if (auto written = statement->run(); !written) {
            return written.error();
        }
    }
    return {};
}

core::Result<Document> Transaction::insert(const Document& document,
                                           const std::vector<OutgoingReference>& references) {
    const std::string operation = "insert " + describe(document.kind, document.id, document.project_id);
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    Document stored = document;
    stored.created_at = format_timestamp(store_->clock_());
    stored.updated_at = stored.created_at;

    auto inserted = in_savepoint(store_->db_, operation, [&]() -> core::Result<void> {
        auto sequence = increment_counter(store_->db_, "last_seq", operation);
        if (!sequence) {
            return sequence.error();
        }
        auto statement =
            Statement::prepare(store_->db_,
                               "INSERT INTO resources (kind, project_id, id, parent_id, name, body,"
                               " created_at, updated_at, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                               operation);
        if (!statement) {
            return statement.error();
        }
        statement->bind(1, std::string_view(stored.kind))
            .bind(2, std::string_view(stored.project_id))
            .bind(3, std::string_view(stored.id))
            .bind_optional(4, stored.parent_id)
            .bind(5, std::string_view(stored.name))
            .bind(6, std::string_view(stored.body))
            .bind(7, std::string_view(stored.created_at))
            .bind(8, std::string_view(stored.updated_at))
            .bind(9, *sequence);
        if (auto written = statement->run(); !written) {
            return written.error();
        }
        return write_references(stored, references);
    });
    if (!inserted) {
        return inserted.error();
    }
    changed_ = true;
    return stored;
}

core::Result<Document> Transaction::update(const Document& document,
                                           const std::vector<OutgoingReference>& references) {
    const std::string operation = "update " + describe(document.kind, document.id, document.project_id);
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    Document stored = document;
    stored.updated_at = format_timestamp(store_->clock_());

    auto updated = in_savepoint(store_->db_, operation, [&]() -> core::Result<void> {
        auto statement =
            Statement::prepare(store_->db_,
                               "UPDATE resources SET parent_id = ?4, name = ?5, body = ?6, updated_at = ?7"
                               " WHERE kind = ?1 AND project_id = ?2 AND id = ?3 RETURNING created_at",
                               operation);
        if (!statement) {
            return statement.error();
        }
        statement->bind(1, std::string_view(stored.kind))
            .bind(2, std::string_view(stored.project_id))
            .bind(3, std::string_view(stored.id))
            .bind_optional(4, stored.parent_id)
            .bind(5, std::string_view(stored.name))
            .bind(6, std::string_view(stored.body))
            .bind(7, std::string_view(stored.updated_at));
        auto row = statement->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return not_found(operation);
        }
        stored.created_at = statement->text(0);
        if (auto finished = finish_statement(*statement); !finished) {
            return finished.error();
        }

        auto cleared = Statement::prepare(
            store_->db_, "DELETE FROM refs WHERE kind = ?1 AND project_id = ?2 AND id = ?3", operation);
        if (!cleared) {
            return cleared.error();
        }
        cleared->bind(1, std::string_view(stored.kind))
            .bind(2, std::string_view(stored.project_id))
            .bind(3, std::string_view(stored.id));
        if (auto done = cleared->run(); !done) {
            return done.error();
        }
        return write_references(stored, references);
    });
    if (!updated) {
        return updated.error();
    }
    changed_ = true;
    return stored;
}

core::Result<void> Transaction::remove(std::string_view kind, std::string_view project_id,
                                       std::string_view id) {
    const std::string operation = "remove " + describe(kind, id, project_id);
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    // ON DELETE CASCADE removes the document's rows in refs and secrets with it.
    auto statement = Statement::prepare(
        store_->db_, "DELETE FROM resources WHERE kind = ?1 AND project_id = ?2 AND id = ?3 RETURNING seq",
        operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind).bind(2, project_id).bind(3, id);
    auto row = statement->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return not_found(operation);
    }
    if (auto finished = finish_statement(*statement); !finished) {
        return finished.error();
    }
    changed_ = true;
    return {};
}

core::Result<std::vector<Reference>> Transaction::query_references(const char* sql, std::string_view kind,
                                                                   std::string_view project_id,
                                                                   std::string_view id,
                                                                   std::string_view operation) {
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    auto statement = Statement::prepare(store_->db_, sql, operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind).bind(2, project_id).bind(3, id);
    std::vector<Reference> references;
    while (true) {
        auto row = statement->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return references;
        }
        references.push_back(Reference{
            .kind = statement->text(0),
            .project_id = statement->text(1),
            .id = statement->text(2),
            .field = statement->text(3),
            .ref_kind = statement->text(4),
            .ref_id = statement->text(5),
        });
    }
}

core::Result<std::vector<Reference>> Transaction::referrers(std::string_view kind,
                                                            std::string_view project_id,
                                                            std::string_view id) {
    return query_references(kSelectReferrers, kind, project_id, id,
                            "list referrers of " + describe(kind, id, project_id));
}

core::Result<std::vector<Reference>> Transaction::references(std::string_view kind,
                                                             std::string_view project_id,
                                                             std::string_view id) {
    return query_references(kSelectReferences, kind, project_id, id,
                            "list references of " + describe(kind, id, project_id));
}

core::Result<std::int64_t> Transaction::commit() {
    if (auto open = check_open("commit transaction"); !open) {
        return open.error();
    }
    Store& store = *store_;
    if (!changed_) {
        auto committed = store.db_.execute("COMMIT", "commit transaction");
        if (!committed) {
            return committed.error();  // the destructor rolls back
        }
        finish();
        return store.revision();
    }

    auto revision = increment_counter(store.db_, "revision", "commit transaction");
    if (!revision) {
        return revision.error();
    }
    if (auto committed = store.db_.execute("COMMIT", "commit transaction"); !committed) {
        return committed.error();
    }
    finish();

    for (const auto& callback : store.callbacks_) {
        try {
            callback(*revision);
        } catch (const std::exception& e) {
            core::logger("store")->error("on_commit callback failed at revision {}: {}", *revision, e.what());
        }
    }
    return *revision;
}

}  // namespace tollgate::store
