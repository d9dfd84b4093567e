// The secret operations of Transaction: sealed values in table secrets.

#include "store/store.h"

#include <fmt/format.h>

namespace tollgate::store {

core::Result<void> Transaction::put_secret(std::string_view kind, std::string_view project_id,
                                           std::string_view id, std::string_view field,
                                           std::string_view plaintext) {
    const SecretLocation location{kind, project_id, id, field};
    const std::string operation = "store secret " + location.describe();
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    auto sealed = store_->sealer_.seal(location, plaintext);
    if (!sealed) {
        return sealed.error();
    }
    // A missing document fails the foreign key, which sqlite_error() reports as NotFound.
    auto statement =
        Statement::prepare(store_->db_,
                           "INSERT INTO secrets (kind, project_id, id, field, nonce, ciphertext, key_id)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                           " ON CONFLICT (kind, project_id, id, field) DO UPDATE SET"
                           " nonce = excluded.nonce, ciphertext = excluded.ciphertext,"
                           " key_id = excluded.key_id",
                           operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind)
        .bind(2, project_id)
        .bind(3, id)
        .bind(4, field)
        .bind(5, std::span<const unsigned char>(sealed->nonce))
        .bind(6, std::span<const unsigned char>(sealed->ciphertext))
        .bind(7, std::string_view(sealed->key_id));
    if (auto written = statement->run(); !written) {
        return written.error();
    }
    changed_ = true;
    return {};
}

core::Result<SecretString> Transaction::get_secret(std::string_view kind, std::string_view project_id,
                                                   std::string_view id, std::string_view field) {
    const SecretLocation location{kind, project_id, id, field};
    const std::string operation = "read secret " + location.describe();
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    auto statement = Statement::prepare(store_->db_,
                                        "SELECT nonce, ciphertext, key_id FROM secrets"
                                        " WHERE kind = ?1 AND project_id = ?2 AND id = ?3 AND field = ?4",
                                        operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind).bind(2, project_id).bind(3, id).bind(4, field);
    auto row = statement->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return core::Error{core::ErrorKind::NotFound, core::Side::Client,
                           fmt::format("{} failed: not found", operation), false};
    }
    const SealedSecret sealed{
        .nonce = statement->blob(0),
        .ciphertext = statement->blob(1),
        .key_id = statement->text(2),
    };
    return store_->sealer_.open(location, sealed);
}

core::Result<void> Transaction::remove_secret(std::string_view kind, std::string_view project_id,
                                              std::string_view id, std::string_view field) {
    const SecretLocation location{kind, project_id, id, field};
    const std::string operation = "remove secret " + location.describe();
    if (auto open = check_open(operation); !open) {
        return open.error();
    }
    auto statement = Statement::prepare(
        store_->db_, "DELETE FROM secrets WHERE kind = ?1 AND project_id = ?2 AND id = ?3 AND field = ?4",
        operation);
    if (!statement) {
        return statement.error();
    }
    statement->bind(1, kind).bind(2, project_id).bind(3, id).bind(4, field);
    if (auto removed = statement->run(); !removed) {
        return removed.error();
    }
    if (sqlite3_changes(store_->db_.handle()) > 0) {
        changed_ = true;
    }
    return {};
}

}  // namespace tollgate::store
