#include "store/store.h"

#include "store/store_test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

namespace tollgate::store {
namespace {

using test::make_document;
using test::open_store;
using test::RawDatabase;
using test::TempDir;

class StoreTest : public ::testing::Test {
protected:
    TempDir temp_;
    test::SecretKeyVariable no_key_variable_{std::nullopt};
};

Document insert_one(Store& store, const Document& document,
                    const std::vector<OutgoingReference>& references = {}) {
    auto transaction = store.begin();
    EXPECT_TRUE(transaction) << transaction.error().message;
    auto inserted = transaction->insert(document, references);
    EXPECT_TRUE(inserted) << inserted.error().message;
    auto committed = transaction->commit();
    EXPECT_TRUE(committed) << committed.error().message;
    return inserted ? *inserted : Document{};
}

TEST_F(StoreTest, OpenCreatesPrivateDirectoryAndDatabase) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    insert_one(*store, make_document("pool", "a"));

    EXPECT_EQ(test::file_mode(temp_.data_dir()), 0700u);
    EXPECT_EQ(test::file_mode(temp_.data_dir() / "tollgate.db"), 0600u);
    EXPECT_EQ(test::file_mode(temp_.data_dir() / "tollgate.db-wal"), 0600u);
    EXPECT_EQ(store->database_path(), temp_.data_dir() / "tollgate.db");
}

TEST_F(StoreTest, OpenTightensDatabaseMode) {
    ASSERT_TRUE(open_store(temp_.data_dir()));
    std::filesystem::permissions(temp_.data_dir() / "tollgate.db",
                                 std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    ASSERT_EQ(test::file_mode(temp_.data_dir() / "tollgate.db"), 0644u);

    ASSERT_TRUE(open_store(temp_.data_dir()));

    EXPECT_EQ(test::file_mode(temp_.data_dir() / "tollgate.db"), 0600u);
}

TEST_F(StoreTest, OpenWithoutParentDirectoryFails) {
    const auto data_dir = temp_.path() / "missing" / "data";

    auto store = Store::open(data_dir);

    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().kind, core::ErrorKind::Io);
    EXPECT_EQ(store.error().message,
              "create data directory " + data_dir.string() + " failed: No such file or directory");
}

TEST_F(StoreTest, OpenOnRegularFileFails) {
    const auto data_dir = temp_.path() / "file";
    std::ofstream(data_dir) << "not a directory";

    auto store = Store::open(data_dir);

    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().message, "data directory " + data_dir.string() + " is not a directory");
}

TEST_F(StoreTest, OpenSetsWalJournal) {
    ASSERT_TRUE(open_store(temp_.data_dir()));

    RawDatabase raw(temp_.data_dir() / "tollgate.db");

    EXPECT_EQ(raw.value("PRAGMA journal_mode"), "wal");
}

TEST_F(StoreTest, ReopenKeepsDataAndMigratesOnce) {
    {
        auto store = open_store(temp_.data_dir());
        ASSERT_TRUE(store);
        insert_one(*store, make_document("pool", "a", R"({"lb_algorithm":"ROUND_ROBIN"})"));
    }
    RawDatabase before(temp_.data_dir() / "tollgate.db");
    const auto migrations_before = before.rows("SELECT version, name, applied_at FROM schema_migrations");

    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);

    RawDatabase after(temp_.data_dir() / "tollgate.db");
    EXPECT_EQ(after.rows("SELECT version, name, applied_at FROM schema_migrations"), migrations_before);
    ASSERT_EQ(migrations_before.size(), 1u);
    EXPECT_EQ(migrations_before[0][0], "1");
    EXPECT_EQ(migrations_before[0][1], "initial schema");
    EXPECT_EQ(store->schema_version().value(), 1);
    EXPECT_EQ(store->revision().value(), 1);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);
    auto pool = transaction->get("pool", "p1", "a");
    ASSERT_TRUE(pool);
    ASSERT_TRUE(pool->has_value());
    EXPECT_EQ((*pool)->body, R"({"lb_algorithm":"ROUND_ROBIN"})");
}

TEST_F(StoreTest, OpenRejectsNewerSchema) {
    ASSERT_TRUE(open_store(temp_.data_dir()));
    {
        RawDatabase raw(temp_.data_dir() / "tollgate.db");
        raw.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (2, 'future', 'x')");
    }

    auto store = Store::open(temp_.data_dir());

    ASSERT_FALSE(store);
    EXPECT_EQ(
        store.error().message,
        "the database has schema version 2, newer than version 1 that this tollgate supports; run a newer "
        "tollgate or restore a backup");
}

TEST_F(StoreTest, InsertGetUpdateRemove) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction) << transaction.error().message;

    Document listener = make_document("listener", "l1", R"({"protocol":"HTTPS"})", "lb1");
    listener.name = "web";
    auto inserted = transaction->insert(listener, {});
    ASSERT_TRUE(inserted) << inserted.error().message;
    EXPECT_EQ(inserted->name, "web");
    EXPECT_EQ(inserted->parent_id, "lb1");
    EXPECT_FALSE(inserted->created_at.empty());
    EXPECT_EQ(inserted->updated_at, inserted->created_at);

    auto fetched = transaction->get("listener", "p1", "l1");
    ASSERT_TRUE(fetched) << fetched.error().message;
    ASSERT_TRUE(fetched->has_value());
    EXPECT_EQ(**fetched, *inserted);

    Document changed = *inserted;
    changed.name = "web-2";
    changed.parent_id = std::nullopt;
    changed.body = R"({"protocol":"HTTPS","description":"edited"})";
    auto updated = transaction->update(changed, {});
    ASSERT_TRUE(updated) << updated.error().message;
    auto refetched = transaction->get("listener", "p1", "l1");
    ASSERT_TRUE(refetched);
    ASSERT_TRUE(refetched->has_value());
    EXPECT_EQ((*refetched)->name, "web-2");
    EXPECT_EQ((*refetched)->parent_id, std::nullopt);
    EXPECT_EQ((*refetched)->body, R"({"protocol":"HTTPS","description":"edited"})");
    EXPECT_EQ((*refetched)->created_at, inserted->created_at);

    auto removed = transaction->remove("listener", "p1", "l1");
    ASSERT_TRUE(removed) << removed.error().message;
    auto gone = transaction->get("listener", "p1", "l1");
    ASSERT_TRUE(gone);
    EXPECT_FALSE(gone->has_value());
}

TEST_F(StoreTest, GetIsScopedByKindAndProject) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    insert_one(*store, make_document("pool", "shared-id"));
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);

    auto other_project = transaction->get("pool", "p2", "shared-id");
    auto other_kind = transaction->get("member", "p1", "shared-id");

    ASSERT_TRUE(other_project);
    EXPECT_FALSE(other_project->has_value());
    ASSERT_TRUE(other_kind);
    EXPECT_FALSE(other_kind->has_value());
}

TEST_F(StoreTest, TimestampsFollowClock) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto now = std::chrono::sys_days{std::chrono::July / 30 / 2021} + std::chrono::hours(12) +
               std::chrono::minutes(3) + std::chrono::seconds(44);
    store->set_clock([&now] { return now; });
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);

    auto inserted = transaction->insert(make_document("pool", "a"), {});
    ASSERT_TRUE(inserted);
    now += std::chrono::seconds(61);
    auto updated = transaction->update(*inserted, {});

    ASSERT_TRUE(updated);
    EXPECT_EQ(inserted->created_at, "2021-07-30T12:03:44Z");
    EXPECT_EQ(updated->created_at, "2021-07-30T12:03:44Z");
    EXPECT_EQ(updated->updated_at, "2021-07-30T12:04:45Z");
}

TEST_F(StoreTest, DuplicateIdIsConflict) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);
    ASSERT_TRUE(transaction->insert(make_document("certificate", "c1"), {}));

    auto duplicate = transaction->insert(make_document("certificate", "c1"), {});

    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error().kind, core::ErrorKind::Conflict);
    EXPECT_EQ(duplicate.error().message,
              "insert certificate c1 in project p1 failed: UNIQUE constraint failed: resources.kind, "
              "resources.project_id, resources.id");
}

TEST_F(StoreTest, FailedInsertLeavesTransactionUsable) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);
    ASSERT_TRUE(transaction->insert(make_document("pool", "a"), {}));
    ASSERT_FALSE(
        transaction->insert(make_document("pool", "a"), {{"healthmonitor_id", "healthmonitor", "h1"}}));

    ASSERT_TRUE(transaction->insert(make_document("pool", "b"), {}));
    ASSERT_TRUE(transaction->commit());

    RawDatabase raw(store->database_path());
    EXPECT_EQ(raw.value("SELECT COUNT(*) FROM resources"), "2");
    EXPECT_EQ(raw.value("SELECT COUNT(*) FROM refs"), "0");
}

TEST_F(StoreTest, BodyMustBeJsonObject) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);

    for (const std::string body : {"[1,2]", "{\"open\":", "\"text\"", ""}) {
        auto inserted = transaction->insert(make_document("pool", "a", body), {});

        ASSERT_FALSE(inserted) << body;
        EXPECT_EQ(inserted.error().kind, core::ErrorKind::InvalidInput) << body;
        EXPECT_EQ(inserted.error().message,
                  "insert pool a in project p1 failed: CHECK constraint failed: body_is_json_object")
            << body;
    }
}

TEST_F(StoreTest, UpdateOrRemoveMissingIsNotFound) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);

    auto updated = transaction->update(make_document("member", "m1"), {});
    auto removed = transaction->remove("member", "p1", "m1");

    ASSERT_FALSE(updated);
    EXPECT_EQ(updated.error().kind, core::ErrorKind::NotFound);
    EXPECT_EQ(updated.error().message, "update member m1 in project p1 failed: not found");
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().kind, core::ErrorKind::NotFound);
    EXPECT_EQ(removed.error().message, "remove member m1 in project p1 failed: not found");
}

TEST_F(StoreTest, DestroyedTransactionRollsBack) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    insert_one(*store, make_document("pool", "kept"));
    {
        auto transaction = store->begin();
        ASSERT_TRUE(transaction);
        ASSERT_TRUE(transaction->insert(make_document("pool", "dropped"),
                                        {{"loadbalancer_id", "loadbalancer", "lb1"}}));
        ASSERT_TRUE(transaction->put_secret("pool", "p1", "dropped", "token", "s3cret"));
        ASSERT_TRUE(transaction->remove("pool", "p1", "kept"));
    }

    RawDatabase raw(store->database_path());
    EXPECT_EQ(raw.rows("SELECT id FROM resources"), (std::vector<std::vector<std::string>>{{"kept"}}));
    EXPECT_EQ(raw.value("SELECT COUNT(*) FROM refs"), "0");
    EXPECT_EQ(raw.value("SELECT COUNT(*) FROM secrets"), "0");
    EXPECT_EQ(store->revision().value(), 1);
}

TEST_F(StoreTest, OneTransactionAtATime) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto first = store->begin();
    ASSERT_TRUE(first);

    auto second = store->begin();

    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message,
              "begin transaction failed: another transaction of this store is still open");
    ASSERT_TRUE(first->commit());
    EXPECT_TRUE(store->begin());
}

TEST_F(StoreTest, CommittedTransactionRejectsCalls) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);
    ASSERT_TRUE(transaction->commit());

    auto fetched = transaction->get("pool", "p1", "a");
    auto committed = transaction->commit();

    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.error().message, "get pool a in project p1 failed: the transaction has already ended");
    ASSERT_FALSE(committed);
    EXPECT_EQ(committed.error().message, "commit transaction failed: the transaction has already ended");
}

TEST_F(StoreTest, RevisionIncrementsOncePerCommit) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    std::vector<std::int64_t> notified;
    store->on_commit([&notified](std::int64_t revision) { notified.push_back(revision); });
    EXPECT_EQ(store->revision().value(), 0);

    auto first = store->begin();
    ASSERT_TRUE(first);
    ASSERT_TRUE(first->insert(make_document("pool", "a"), {}));
    ASSERT_TRUE(first->insert(make_document("pool", "b"), {}));
    auto first_revision = first->commit();
    auto second = store->begin();
    ASSERT_TRUE(second);
    ASSERT_TRUE(second->remove("pool", "p1", "a"));
    auto second_revision = second->commit();

    ASSERT_TRUE(first_revision);
    EXPECT_EQ(*first_revision, 1);
    ASSERT_TRUE(second_revision);
    EXPECT_EQ(*second_revision, 2);
    EXPECT_EQ(store->revision().value(), 2);
    EXPECT_EQ(notified, (std::vector<std::int64_t>{1, 2}));
}

TEST_F(StoreTest, CommitWithoutChangesKeepsRevision) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    insert_one(*store, make_document("pool", "a"));
    int notifications = 0;
    store->on_commit([&notifications](std::int64_t) { ++notifications; });

    auto transaction = store->begin();
    ASSERT_TRUE(transaction);
    ASSERT_TRUE(transaction->get("pool", "p1", "a"));
    ASSERT_TRUE(transaction->insert(make_document("pool", "a"), {}).has_error());
    auto revision = transaction->commit();

    ASSERT_TRUE(revision);
    EXPECT_EQ(*revision, 1);
    EXPECT_EQ(notifications, 0);
}

TEST_F(StoreTest, ThrowingCallbackKeepsCommit) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    std::vector<std::int64_t> notified;
    store->on_commit([](std::int64_t) { throw std::runtime_error("rebuild failed"); });
    store->on_commit([&notified](std::int64_t revision) { notified.push_back(revision); });

    insert_one(*store, make_document("pool", "a"));

    EXPECT_EQ(store->revision().value(), 1);
    EXPECT_EQ(notified, (std::vector<std::int64_t>{1}));
}

TEST_F(StoreTest, CallbackMayReadInNewTransaction) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    std::size_t pools_seen = 0;
    store->on_commit([&store, &pools_seen](std::int64_t) {
        auto transaction = store->begin();
        ASSERT_TRUE(transaction) << transaction.error().message;
        auto pools = transaction->list("pool", "p1", {});
        ASSERT_TRUE(pools);
        pools_seen = pools->documents.size();
    });

    insert_one(*store, make_document("pool", "a"));

    EXPECT_EQ(pools_seen, 1u);
}

TEST_F(StoreTest, ReferrersFollowInsertUpdateRemove) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    insert_one(*store, make_document("certificate", "cert-a"));
    insert_one(*store, make_document("certificate", "cert-b"));
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);

    ASSERT_TRUE(transaction->insert(make_document("listener", "l1"),
                                    {{"default_tls_container_ref", "certificate", "cert-a"},
                                     {"sni_container_refs", "certificate", "cert-a"},
                                     {"sni_container_refs", "certificate", "cert-b"}}));
    ASSERT_TRUE(transaction->insert(make_document("listener", "l2"),
                                    {{"client_ca_tls_container_ref", "certificate", "cert-a"}}));
    auto after_insert = transaction->referrers("certificate", "p1", "cert-a");
    ASSERT_TRUE(after_insert) << after_insert.error().message;
    EXPECT_EQ(*after_insert,
              (std::vector<Reference>{
                  {"listener", "p1", "l1", "default_tls_container_ref", "certificate", "cert-a"},
                  {"listener", "p1", "l1", "sni_container_refs", "certificate", "cert-a"},
                  {"listener", "p1", "l2", "client_ca_tls_container_ref", "certificate", "cert-a"},
              }));
    auto outgoing = transaction->references("listener", "p1", "l1");
    ASSERT_TRUE(outgoing);
    EXPECT_EQ(outgoing->size(), 3u);

    ASSERT_TRUE(transaction->update(make_document("listener", "l1"),
                                    {{"default_tls_container_ref", "certificate", "cert-b"}}));
    auto after_update_a = transaction->referrers("certificate", "p1", "cert-a");
    auto after_update_b = transaction->referrers("certificate", "p1", "cert-b");
    ASSERT_TRUE(after_update_a);
    EXPECT_EQ(*after_update_a,
              (std::vector<Reference>{
                  {"listener", "p1", "l2", "client_ca_tls_container_ref", "certificate", "cert-a"},
              }));
    ASSERT_TRUE(after_update_b);
    EXPECT_EQ(*after_update_b,
              (std::vector<Reference>{
                  {"listener", "p1", "l1", "default_tls_container_ref", "certificate", "cert-b"},
              }));

    ASSERT_TRUE(transaction->remove("listener", "p1", "l2"));
    auto after_remove = transaction->referrers("certificate", "p1", "cert-a");
    ASSERT_TRUE(after_remove);
    EXPECT_TRUE(after_remove->empty());
    auto other_project = transaction->referrers("certificate", "p2", "cert-b");
    ASSERT_TRUE(other_project);
    EXPECT_TRUE(other_project->empty());
}

TEST_F(StoreTest, RemoveKeepsReferencesToRemovedDocument) {
    auto store = open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    insert_one(*store, make_document("pool", "pool1"));
    insert_one(*store, make_document("listener", "l1"), {{"default_pool_id", "pool", "pool1"}});
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);

    ASSERT_TRUE(transaction->remove("pool", "p1", "pool1"));

    auto referrers = transaction->referrers("pool", "p1", "pool1");
    ASSERT_TRUE(referrers);
    EXPECT_EQ(referrers->size(), 1u);
}

}  // namespace
}  // namespace tollgate::store
