#include "store/store.h"

#include "store/ids.h"
#include "store/store_test_support.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

using test::make_document;
using test::TempDir;

constexpr int kDocumentCount = 25;

std::vector<std::string> ids_of(const Page& page) {
    std::vector<std::string> ids;
    for (const Document& document : page.documents) {
        ids.push_back(document.id);
    }
    return ids;
}

// 25 members with random UUIDs, so that insertion order and id order differ. Member i has
// body {"weight":i}; even ones belong to pool-even, odd ones to pool-odd.
class PaginationTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = test::open_store(temp_.data_dir());
        ASSERT_TRUE(store_);
        auto transaction = store_->begin();
        ASSERT_TRUE(transaction);
        for (int index = 0; index < kDocumentCount; ++index) {
            ids_.push_back(new_uuid());
            const std::string parent = index % 2 == 0 ? "pool-even" : "pool-odd";
            const std::string body = fmt::format(R"({{"weight":{}}})", index);
            ASSERT_TRUE(transaction->insert(make_document("member", member_id(index), body, parent), {}));
        }
        ASSERT_TRUE(transaction->insert(make_document("pool", "pool-even"), {}));
        Document other_project = make_document("member", "in-other-project", "{}", "pool-even");
        other_project.project_id = "p2";
        ASSERT_TRUE(transaction->insert(other_project, {}));
        ASSERT_TRUE(transaction->commit());
    }

    Page list(const ListQuery& query) {
        auto transaction = store_->begin();
        EXPECT_TRUE(transaction);
        auto page = transaction->list("member", "p1", query);
        EXPECT_TRUE(page) << page.error().message;
        return page ? *page : Page{};
    }

    core::Error list_error(const ListQuery& query) {
        auto transaction = store_->begin();
        EXPECT_TRUE(transaction);
        auto page = transaction->list("member", "p1", query);
        EXPECT_FALSE(page);
        return page ? core::Error{} : page.error();
    }

    std::string member_id(int index) const { return ids_.at(static_cast<std::size_t>(index)); }

    // Ids of members first to last, both included.
    std::vector<std::string> member_ids(int first, int last) const {
        return std::vector<std::string>(ids_.begin() + first, ids_.begin() + last + 1);
    }

    TempDir temp_;
    test::SecretKeyVariable no_key_variable_{std::nullopt};
    std::unique_ptr<Store> store_;
    std::vector<std::string> ids_;  // in insertion order
};

TEST_F(PaginationTest, DefaultQueryReturnsAllInInsertionOrder) {
    const Page page = list({});

    EXPECT_EQ(ids_of(page), member_ids(0, 24));
    EXPECT_FALSE(page.has_more);
}

TEST_F(PaginationTest, MarkerWalksForward) {
    const Page first = list({.limit = 10});
    const Page second = list({.limit = 10, .marker = first.documents.back().id});
    const Page third = list({.limit = 10, .marker = second.documents.back().id});

    EXPECT_EQ(ids_of(first), member_ids(0, 9));
    EXPECT_TRUE(first.has_more);
    EXPECT_EQ(ids_of(second), member_ids(10, 19));
    EXPECT_TRUE(second.has_more);
    EXPECT_EQ(ids_of(third), member_ids(20, 24));
    EXPECT_FALSE(third.has_more);
}

TEST_F(PaginationTest, ExactLastPageHasNoMore) {
    const Page last = list({.limit = 5, .marker = member_id(19)});

    EXPECT_EQ(ids_of(last), member_ids(20, 24));
    EXPECT_FALSE(last.has_more);
}

TEST_F(PaginationTest, PageReverseWalksBackward) {
    const Page previous = list({.limit = 10, .marker = member_id(20), .page_reverse = true});
    const Page first = list({.limit = 10, .marker = previous.documents.front().id, .page_reverse = true});

    EXPECT_EQ(ids_of(previous), member_ids(10, 19));
    EXPECT_TRUE(previous.has_more);
    EXPECT_EQ(ids_of(first), member_ids(0, 9));
    EXPECT_FALSE(first.has_more);
}

TEST_F(PaginationTest, PageReverseWithoutMarkerReturnsLastPage) {
    const Page last = list({.limit = 10, .page_reverse = true});

    EXPECT_EQ(ids_of(last), member_ids(15, 24));
    EXPECT_TRUE(last.has_more);
}

TEST_F(PaginationTest, ZeroLimitReturnsEmptyPage) {
    const Page page = list({.limit = 0});

    EXPECT_TRUE(page.documents.empty());
    EXPECT_TRUE(page.has_more);
}

TEST_F(PaginationTest, ParentFilterSelectsChildren) {
    const Page first = list({.parent_id = "pool-odd", .limit = 5});
    const Page second = list({.parent_id = "pool-odd", .limit = 10, .marker = first.documents.back().id});

    EXPECT_EQ(ids_of(first), (std::vector<std::string>{member_id(1), member_id(3), member_id(5), member_id(7),
                                                       member_id(9)}));
    EXPECT_TRUE(first.has_more);
    EXPECT_EQ(ids_of(second),
              (std::vector<std::string>{member_id(11), member_id(13), member_id(15), member_id(17),
                                        member_id(19), member_id(21), member_id(23)}));
    EXPECT_FALSE(second.has_more);
}

TEST_F(PaginationTest, ParentFilterInReverse) {
    const Page page =
        list({.parent_id = "pool-even", .limit = 3, .marker = member_id(20), .page_reverse = true});

    EXPECT_EQ(ids_of(page), (std::vector<std::string>{member_id(14), member_id(16), member_id(18)}));
    EXPECT_TRUE(page.has_more);
}

TEST_F(PaginationTest, BodyFilterKeepsPagesFull) {
    const auto heavy = [](const Document& document) {
        return document.body.find("\"weight\":1") != std::string::npos;  // weights 1 and 10-19
    };

    const Page first = list({.limit = 4, .filter = heavy});
    const Page second = list({.limit = 4, .marker = first.documents.back().id, .filter = heavy});
    const Page third = list({.limit = 4, .marker = second.documents.back().id, .filter = heavy});

    EXPECT_EQ(ids_of(first),
              (std::vector<std::string>{member_id(1), member_id(10), member_id(11), member_id(12)}));
    EXPECT_TRUE(first.has_more);
    EXPECT_EQ(ids_of(second), member_ids(13, 16));
    EXPECT_TRUE(second.has_more);
    EXPECT_EQ(ids_of(third), member_ids(17, 19));
    EXPECT_FALSE(third.has_more);
}

TEST_F(PaginationTest, LimitAboveMaximumIsRejected) {
    const core::Error error = list_error({.limit = 2001});

    EXPECT_EQ(error.kind, core::ErrorKind::InvalidInput);
    EXPECT_EQ(error.message, "list member in project p1 failed: limit 2001 is out of range 0-2000");
}

TEST_F(PaginationTest, UnknownMarkerIsRejected) {
    const core::Error error = list_error({.limit = 10, .marker = "in-other-project"});

    EXPECT_EQ(error.kind, core::ErrorKind::InvalidInput);
    EXPECT_EQ(error.message,
              "list member in project p1 failed: marker in-other-project is not the id of a member in this "
              "project");
}

TEST_F(PaginationTest, RemovedDocumentsLeaveOrderIntact) {
    {
        auto transaction = store_->begin();
        ASSERT_TRUE(transaction);
        ASSERT_TRUE(transaction->remove("member", "p1", member_id(24)));
        ASSERT_TRUE(transaction->insert(make_document("member", "member-new"), {}));
        ASSERT_TRUE(transaction->commit());
    }

    const Page last = list({.limit = 2, .page_reverse = true});

    EXPECT_EQ(ids_of(last), (std::vector<std::string>{member_id(23), "member-new"}));
}

TEST_F(PaginationTest, ListAllReturnsEveryProjectInInsertionOrder) {
    auto transaction = store_->begin();
    ASSERT_TRUE(transaction);
    auto all = transaction->list_all("member");
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), static_cast<std::size_t>(kDocumentCount + 1));
    EXPECT_EQ(all->front().id, member_id(0));
    EXPECT_EQ(all->at(kDocumentCount - 1).id, member_id(kDocumentCount - 1));
    EXPECT_EQ(all->back().id, "in-other-project");
    EXPECT_EQ(all->back().project_id, "p2");
}

}  // namespace
}  // namespace tollgate::store
